"""Bounds on what can be typed: every free text in grants has a maximum (the form says so and
the service refuses more, whoever calls it), a draft holds at most 20 documents, and every date
is plausible (no year 0001 or 9999; no payment recorded in the future)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import MAX_ATTACHMENTS, Attachment, AttachmentKind, ChangeNotice, Round
from scheme.validators import LONG_TEXT, MESSAGE_TEXT, SHORT_TEXT
from tests import factories
from tests.grants.conftest import fill_report, pdf, refused

D = Decimal
TODAY = timezone.localdate
FAR_PAST = datetime.date(1, 1, 1)
FAR_FUTURE = datetime.date(9999, 12, 31)


def too_long(limit):
    return "x" * (limit + 1)


def days(n):
    return TODAY() + datetime.timedelta(days=n)


@pytest.fixture
def get(request):
    """A fixture by name, made only when a case needs it."""
    return request.getfixturevalue


@pytest.fixture
def draft(member, call, participant):
    return services.start_application(member, call, participant)


@pytest.fixture
def accepted(awarded, member):
    return services.accept_award(member, awarded)


@pytest.fixture
def paid(accepted, caseworker):
    factories.pay(accepted, accepted.amount, TODAY(), attester=caseworker)
    return accepted


@pytest.fixture
def clawback(paid, caseworker):
    return services.open_clawback(
        caseworker, paid, amount=D("5000"), reasons="Brukt mot vilkårene.", due_on=days(30)
    )


@pytest.fixture
def rejection(impartial, submitted):
    return services.reject_application(impartial, submitted, reasons="Svak plan.")


@pytest.fixture
def appeal(member, rejection):
    return services.lodge_appeal(member, rejection, "Vi søkte om riktig beløp.")


@pytest.fixture
def notice(member, accepted):
    return services.send_change_notice(member, accepted, "Ny leder.")


@pytest.fixture
def sent_report(member, accepted):
    return services.submit_report(member, fill_report(member, accepted.report))


@pytest.fixture
def assessed(impartial, submitted):
    services.save_assessment(impartial, submitted, scores={"activity": (4, "")})
    return submitted


def _goal(report):
    return report.award.scheme_year.scheme.goals.first().pk


# what: (the fixtures it needs, the call that sends one character too many, the limit)
TOO_LONG_TEXTS = {
    "call guidance": (
        ("caseworker", "scheme_year"),
        lambda f: services.save_round(
            f["caseworker"],
            scheme_year=f["scheme_year"],
            title="Runde",
            kind="open",
            opens_on=TODAY(),
            closes_on=days(10),
            guidance=too_long(LONG_TEXT),
        ),
        LONG_TEXT,
    ),
    "planned activities": (
        ("member", "draft"),
        lambda f: services.save_application(
            f["member"], f["draft"], planned_activities=too_long(MESSAGE_TEXT)
        ),
        MESSAGE_TEXT,
    ),
    "who the activities reach": (
        ("member", "draft"),
        lambda f: services.save_application(f["member"], f["draft"], reach=too_long(SHORT_TEXT)),
        SHORT_TEXT,
    ),
    "planned collaborations": (
        ("member", "draft"),
        lambda f: services.save_application(
            f["member"], f["draft"], planned_collaborations=too_long(MESSAGE_TEXT)
        ),
        MESSAGE_TEXT,
    ),
    "impartiality note": (
        ("caseworker", "submitted"),
        lambda f: services.declare_impartiality(
            f["caseworker"], f["submitted"], has_conflict=True, note=too_long(500)
        ),
        500,
    ),
    "assessment summary": (
        ("impartial", "submitted"),
        lambda f: services.save_assessment(
            f["impartial"],
            f["submitted"],
            scores={"activity": (4, "")},
            summary=too_long(MESSAGE_TEXT),
        ),
        MESSAGE_TEXT,
    ),
    "score note": (
        ("impartial", "submitted"),
        lambda f: services.save_assessment(
            f["impartial"], f["submitted"], scores={"activity": (4, too_long(500))}
        ),
        500,
    ),
    "question to the organisation": (
        ("impartial", "submitted"),
        lambda f: services.request_information(
            f["impartial"], f["submitted"], too_long(MESSAGE_TEXT)
        ),
        MESSAGE_TEXT,
    ),
    "reasons for a rejection": (
        ("impartial", "submitted"),
        lambda f: services.reject_application(
            f["impartial"], f["submitted"], reasons=too_long(MESSAGE_TEXT)
        ),
        MESSAGE_TEXT,
    ),
    "reasons for an award": (
        ("impartial", "submitted"),
        lambda f: services.award_grant(
            f["impartial"], f["submitted"], amount=D("1000"), reasons=too_long(MESSAGE_TEXT)
        ),
        MESSAGE_TEXT,
    ),
    "grounds of an appeal": (
        ("member", "rejection"),
        lambda f: services.lodge_appeal(f["member"], f["rejection"], too_long(MESSAGE_TEXT)),
        MESSAGE_TEXT,
    ),
    "outcome of an appeal": (
        ("impartial", "appeal"),
        lambda f: services.handle_appeal(
            f["impartial"], f["appeal"], status="upheld", outcome=too_long(MESSAGE_TEXT)
        ),
        MESSAGE_TEXT,
    ),
    "change notice": (
        ("member", "accepted"),
        lambda f: services.send_change_notice(f["member"], f["accepted"], too_long(MESSAGE_TEXT)),
        MESSAGE_TEXT,
    ),
    "outcome of a change notice": (
        ("caseworker", "notice"),
        lambda f: services.handle_change_notice(f["caseworker"], f["notice"], too_long(SHORT_TEXT)),
        SHORT_TEXT,
    ),
    "report answers": (
        ("member", "accepted"),
        lambda f: services.save_report(
            f["member"], f["accepted"].report, activities_held=too_long(LONG_TEXT)
        ),
        LONG_TEXT,
    ),
    "result for a goal": (
        ("member", "accepted"),
        lambda f: services.save_report(
            f["member"],
            f["accepted"].report,
            goal_results={_goal(f["accepted"].report): too_long(LONG_TEXT)},
        ),
        LONG_TEXT,
    ),
    "comment on a returned report": (
        ("caseworker", "sent_report"),
        lambda f: services.return_report(f["caseworker"], f["sent_report"], too_long(MESSAGE_TEXT)),
        MESSAGE_TEXT,
    ),
    "reasons for a clawback": (
        ("caseworker", "paid"),
        lambda f: services.open_clawback(
            f["caseworker"],
            f["paid"],
            amount=D("1000"),
            reasons=too_long(MESSAGE_TEXT),
            due_on=days(30),
        ),
        MESSAGE_TEXT,
    ),
}


@pytest.mark.parametrize("what", list(TOO_LONG_TEXTS))
def test_free_text_over_its_maximum_is_refused_by_the_service(get, what):
    needs, send, limit = TOO_LONG_TEXTS[what]
    fixtures = {name: get(name) for name in needs}  # made before refused() takes its snapshot
    refused(ValidationError, lambda: send(fixtures), f"at most {limit} characters")


def test_the_application_form_says_how_long_a_text_may_be(client, member, draft):
    client.force_login(member)
    page = client.get(reverse("grants:application_edit", args=[draft.pk, "activities"]))
    html = page.content.decode()
    assert f'maxlength="{MESSAGE_TEXT}"' in html and f'maxlength="{SHORT_TEXT}"' in html


def test_the_change_notice_form_says_how_long_a_text_may_be(client, member, accepted):
    client.force_login(member)
    page = client.get(reverse("grants:change_notice", args=[accepted.pk]))
    assert f'maxlength="{MESSAGE_TEXT}"' in page.content.decode()


def test_a_too_long_change_notice_is_refused_by_the_form_with_the_text_kept(
    client, member, accepted
):
    client.force_login(member)
    text = too_long(MESSAGE_TEXT)
    response = client.post(
        reverse("grants:change_notice", args=[accepted.pk]), {"description": text}
    )
    assert response.status_code == 200
    assert "description" in response.context["form"].errors
    assert text in response.content.decode()
    assert not ChangeNotice.objects.exists()
    client.post(reverse("grants:change_notice", args=[accepted.pk]), {"description": text[:-1]})
    assert len(ChangeNotice.objects.get().description) == MESSAGE_TEXT  # exactly the maximum


def test_the_caseworkers_forms_say_how_long_a_text_may_be(client, caseworker, paid):
    client.force_login(caseworker)
    page = client.get(reverse("grants:review_award", args=[paid.pk])).content.decode()
    assert f'maxlength="{MESSAGE_TEXT}"' in page  # the reasons for a clawback
    page = client.get(reverse("grants:round_create")).content.decode()
    assert f'maxlength="{LONG_TEXT}"' in page  # the call's guidance


# --- documents on a draft -----------------------------------------------------------------------


def test_a_draft_holds_at_most_20_documents(client, member, draft):
    for number in range(MAX_ATTACHMENTS - 1):
        services.add_attachment(member, draft, AttachmentKind.OTHER, pdf(f"vedlegg-{number}.pdf"))
    client.force_login(member)
    url = reverse("grants:application_edit", args=[draft.pk, "documents"])
    assert "You can upload 1 more document." in client.get(url).content.decode()
    services.add_attachment(member, draft, AttachmentKind.OTHER, pdf("den-siste.pdf"))
    refused(
        ValidationError,
        lambda: services.add_attachment(member, draft, AttachmentKind.OTHER, pdf("en-til.pdf")),
        "at most 20 documents",
    )
    response = client.get(url)
    assert "the most it can have" in response.content.decode()
    assert 'enctype="multipart/form-data"' not in response.content.decode()  # no upload form
    response = client.post(url, {"kind": AttachmentKind.OTHER, "file": pdf("en-til.pdf")})
    assert "at most 20 documents" in str(response.context["form"].errors)
    assert Attachment.objects.filter(application=draft).count() == MAX_ATTACHMENTS


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [("opens_on", FAR_PAST), ("closes_on", FAR_FUTURE)])
def test_a_call_has_plausible_dates(caseworker, scheme_year, field, value):
    dates = {"opens_on": TODAY(), "closes_on": days(10), field: value}
    error = refused(
        ValidationError,
        lambda: services.save_round(
            caseworker, scheme_year=scheme_year, title="Runde", kind="open", guidance="x", **dates
        ),
        "between 1900 and 2100",
    )
    assert field in error.message_dict


def test_the_call_form_refuses_an_implausible_date(client, caseworker, scheme_year):
    client.force_login(caseworker)
    response = client.post(
        reverse("grants:round_create"),
        {
            "scheme_year": scheme_year.pk,
            "title": "Runde",
            "kind": "open",
            "opens_on": "0001-01-01",
            "closes_on": days(10).isoformat(),
            "guidance": "Søk.",
        },
    )
    assert "between 1900 and 2100" in str(response.context["form"].errors["opens_on"])
    assert not Round.objects.exists()


@pytest.mark.parametrize(
    "paid_on, words",
    [(days(1), "cannot be in the future"), (datetime.date(1899, 12, 31), "between 1900 and 2100")],
)
def test_a_payment_is_not_recorded_in_the_future_or_the_distant_past(
    caseworker, accepted, paid_on, words
):
    attestation = services.attest_payment(caseworker, accepted, amount=D("1000"), pay_on=TODAY())
    approver = factories.approver(accepted.application.round.scheme_year.scheme.administrator)
    refused(
        ValidationError,
        lambda: services.approve_payment(approver, attestation, paid_on=paid_on),
        words,
        objects=[accepted, attestation],
    )


def test_a_payment_is_attested_for_a_plausible_date(caseworker, accepted):
    refused(
        ValidationError,
        lambda: services.attest_payment(caseworker, accepted, amount=D("1000"), pay_on=FAR_FUTURE),
        "between 1900 and 2100",
        objects=[accepted],
    )


def test_the_payment_form_refuses_an_implausible_date(client, caseworker, accepted):
    client.force_login(caseworker)
    response = client.post(
        reverse("grants:disburse", args=[accepted.pk]),
        {"disburse-amount": "1000", "disburse-pay_on": FAR_FUTURE.isoformat()},
    )
    assert "between 1900 and 2100" in str(response.context["disburse_form"].errors["pay_on"])
    assert not accepted.attestations.exists() and not accepted.disbursements.exists()


def test_a_repayment_is_not_recorded_in_the_future(caseworker, clawback):
    refused(
        ValidationError,
        lambda: services.record_repayment(caseworker, clawback, amount=D("100"), paid_on=days(1)),
        "cannot be in the future",
        objects=[clawback],
    )


def test_a_clawback_is_repaid_by_a_plausible_date(caseworker, paid):
    refused(
        ValidationError,
        lambda: services.open_clawback(
            caseworker, paid, amount=D("1000"), reasons="Feil bruk.", due_on=FAR_FUTURE
        ),
        "between 1900 and 2100",
        objects=[paid],
    )


def test_an_instalment_is_due_on_a_plausible_date(impartial, submitted):
    refused(
        ValidationError,
        lambda: services.award_grant(
            impartial,
            submitted,
            amount=D("95000"),
            reasons="God plan.",
            instalments=[(D("50000"), TODAY(), False), (D("45000"), FAR_FUTURE, True)],
        ),
        "instalment 2",
        "between 1900 and 2100",
        objects=[submitted],
    )


def test_a_phone_call_is_not_dated_in_the_distant_past(impartial, assessed):
    refused(
        ValidationError,
        lambda: services.save_assessment(
            impartial, assessed, scores={"activity": (4, "")}, phoned_at=datetime.date(1800, 1, 1)
        ),
        "between 1900 and 2100",
    )
