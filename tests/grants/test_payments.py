"""Two people on money: one caseworker of the scheme's body attests a payment (the conditions
for it are met), an approver of the same body who is not the attester approves it for payment,
and only then is it paid and its payment letter registered in the case. Open attestations
reserve their amount. The finance office's list of the day's approved payments, with each
organisation's confirmed bank account in full, as a page and as CSV."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from grants import records, services
from grants.models import Disbursement, PaymentAttestation
from grants.services.payments_texts import (
    PAYMENT_APPROVED,
    PAYMENT_ATTESTED,
    PAYMENT_REFUSED,
    PAYMENTS_DOWNLOADED,
)
from grants.workflows import AttestationStatus
from scheme.models import Event, Notification
from scheme.records.models import CaseFile, Direction, DocumentType, RegistryEntry
from tests import factories
from tests.concurrency import at_once
from tests.grants.conftest import confirmed_account, refused

TODAY = timezone.localdate
FORMATTED = "2050 98 76542"  # the confirmed account, as the finance office reads it


@pytest.fixture
def accepted(awarded, member):
    """An accepted award of 95 000 to an organisation whose account is confirmed."""
    return services.accept_award(member, awarded)


@pytest.fixture
def approver(scheme_year):
    return factories.approver(scheme_year.scheme.administrator)


@pytest.fixture
def other_approver(scheme_year):
    return factories.approver(scheme_year.scheme.administrator)


def attest(caseworker, award, amount="40000", **extra):
    return services.attest_payment(
        caseworker, award, amount=Decimal(amount), pay_on=TODAY(), **extra
    )


# --- attesting and approving -----------------------------------------------------------------


def test_one_attests_another_approves_and_the_payment_is_made(
    accepted, caseworker, approver, participant, member
):
    attestation = attest(caseworker, accepted)
    assert attestation.status == AttestationStatus.ATTESTED and attestation.is_open
    assert attestation.attested_by == caseworker
    assert attestation.account.is_confirmed
    assert not Disbursement.objects.exists()  # attesting pays nothing
    told = Notification.objects.filter(recipient=approver)
    assert told.count() == 1 and "Payment to approve" in told.get().subject

    disbursement = services.approve_payment(approver, attestation)
    assert disbursement.attestation == attestation
    assert disbursement.recorded_by == approver
    assert disbursement.amount == Decimal("40000")
    assert disbursement.paid_on == TODAY()
    assert disbursement.account == attestation.account
    attestation.refresh_from_db()
    assert attestation.status == AttestationStatus.APPROVED
    assert (attestation.handled_by, attestation.attested_by) == (approver, caseworker)
    verbs = list(
        Event.objects.filter(target_id=accepted.application_id).values_list("verb", flat=True)
    )
    assert PAYMENT_ATTESTED in verbs and PAYMENT_APPROVED in verbs
    assert Notification.objects.filter(recipient=member, subject__contains="Payment of").exists()


def test_the_payment_letter_is_registered_in_the_case(accepted, caseworker, approver):
    disbursement = services.approve_payment(approver, attest(caseworker, accepted))
    case_file = records.case_file_of(accepted.application)
    assert case_file is not None
    entry = RegistryEntry.objects.select_related("case_file").get(
        source_kind="grants.disbursement", source_id=disbursement.pk
    )
    assert entry.case_file == case_file
    assert entry.document_type == DocumentType.PAYMENT
    assert entry.direction == Direction.OUTGOING
    assert entry.approver == approver
    assert entry.number >= 1
    assert entry.number_label == f"{case_file.number}-{entry.number}"
    assert entry.party_name == accepted.application.organisation.name


def test_the_same_person_cannot_attest_and_approve(accepted, approver):
    """An approver may attest, but then another approver must approve."""
    attestation = attest(approver, accepted)
    refused(
        ValidationError,
        lambda: services.approve_payment(approver, attestation),
        "attested this payment yourself",
        objects=[attestation, accepted],
    )
    refused(
        ValidationError,
        lambda: services.refuse_payment(approver, attestation, "Nei."),
        "yourself",
        objects=[attestation],
    )
    assert services.approval_problem(approver, attestation)


def test_a_caseworker_without_the_approver_role_cannot_approve(
    accepted, caseworker, other_caseworker
):
    attestation = attest(caseworker, accepted)
    assert services.approval_problem(other_caseworker, attestation)
    refused(
        PermissionDenied,
        lambda: services.approve_payment(other_caseworker, attestation),
        objects=[attestation],
    )
    refused(
        PermissionDenied,
        lambda: services.refuse_payment(other_caseworker, attestation, "Nei."),
        objects=[attestation],
    )


def test_another_bodys_people_can_neither_attest_nor_approve(
    accepted, caseworker, foreign_caseworker, member
):
    foreign_approver = factories.approver(factories.caseworker().memberships.get().organisation)
    refused(PermissionDenied, lambda: attest(foreign_caseworker, accepted), objects=[accepted])
    refused(PermissionDenied, lambda: attest(member, accepted), objects=[accepted])
    attestation = attest(caseworker, accepted)
    for person in (foreign_approver, foreign_caseworker, member):
        refused(
            PermissionDenied,
            lambda person=person: services.approve_payment(person, attestation),
            objects=[attestation],
        )


def test_an_admin_who_is_no_approver_cannot_approve(accepted, caseworker, admin_user):
    attestation = attest(caseworker, accepted)
    refused(
        PermissionDenied,
        lambda: services.approve_payment(admin_user, attestation),
        objects=[attestation],
    )


def test_an_approved_or_refused_payment_is_handled_once(
    accepted, caseworker, approver, other_approver
):
    attestation = attest(caseworker, accepted)
    services.approve_payment(approver, attestation)
    refused(
        ValidationError,
        lambda: services.approve_payment(other_approver, attestation),
        "already been approved",
        objects=[attestation],
    )
    second = attest(caseworker, accepted, "1000")
    services.refuse_payment(approver, second, "Feil beløp.")
    refused(
        ValidationError,
        lambda: services.approve_payment(other_approver, second),
        "already been refused",
        objects=[second],
    )


def test_refusing_needs_a_comment_and_tells_the_attester(accepted, caseworker, approver):
    attestation = attest(caseworker, accepted)
    refused(
        ValidationError,
        lambda: services.refuse_payment(approver, attestation, "  "),
        "why",
        objects=[attestation],
    )
    services.refuse_payment(approver, attestation, "Vilkårene er ikke oppfylt.")
    attestation.refresh_from_db()
    assert attestation.status == AttestationStatus.REFUSED
    assert attestation.comment == "Vilkårene er ikke oppfylt."
    assert attestation.handled_by == approver
    notice = Notification.objects.get(recipient=caseworker, subject__contains="refused")
    assert "Vilkårene er ikke oppfylt." in notice.body
    assert Event.objects.filter(verb=PAYMENT_REFUSED).exists()
    assert not Disbursement.objects.exists()


def test_open_attestations_reserve_their_amount(accepted, caseworker, other_caseworker, approver):
    first = attest(caseworker, accepted, "60000")
    refused(
        ValidationError,
        lambda: attest(other_caseworker, accepted, "40000"),
        "35,000",
        "waits for approval",
        objects=[accepted],
    )
    second = attest(other_caseworker, accepted, "35000")
    assert "attested" in services.payment_problem(accepted, first.account)
    refused(ValidationError, lambda: attest(caseworker, accepted, "1"), objects=[accepted])
    # Refusing one gives its reservation back; approving one pays it out.
    services.refuse_payment(approver, first, "Feil beløp.")
    third = attest(caseworker, accepted, "60000")
    services.approve_payment(approver, second)
    services.approve_payment(approver, third)
    assert accepted.disbursed() == accepted.amount


def test_an_instalment_is_attested_once_and_paid_whole(
    submitted, impartial, member, participant, approver, other_caseworker
):
    award = services.award_grant(
        impartial,
        submitted,
        amount=Decimal("95000"),
        reasons="Ja.",
        instalments=[(Decimal("75000"), TODAY(), False), (Decimal("20000"), TODAY(), True)],
    )
    services.accept_award(member, award)
    confirmed_account(member, impartial, participant)
    first, second = award.instalments.order_by("number")
    refused(
        ValidationError,
        lambda: attest(impartial, award, "70000", instalment=first),
        "pay it in full",
        objects=[award],
    )
    refused(
        ValidationError,
        lambda: attest(impartial, award, "20000", instalment=second),
        "held until the grant report is approved",
        objects=[award],
    )
    attestation = attest(impartial, award, "75000", instalment=first)
    refused(
        ValidationError,
        lambda: attest(other_caseworker, award, "75000", instalment=first),
        "already attested",
        objects=[award],
    )
    disbursement = services.approve_payment(approver, attestation)
    assert disbursement.instalment == first
    first.refresh_from_db()
    assert first.is_paid
    refused(
        ValidationError,
        lambda: attest(impartial, award, "75000", instalment=first),
        "already been paid",
        objects=[award],
    )


def test_approval_rechecks_the_account(accepted, caseworker, approver, member, participant):
    attestation = attest(caseworker, accepted)
    services.give_payout_account(member, participant, "9999 00 00014")
    refused(
        ValidationError,
        lambda: services.approve_payment(approver, attestation),
        "another bank account",
        objects=[attestation, accepted],
    )
    services.refuse_payment(approver, attestation, "Ny konto.")
    refused(
        ValidationError,
        lambda: attest(caseworker, accepted),
        "waits for a caseworker to confirm it",
        objects=[accepted],
    )


def test_a_payment_date_in_the_future_is_refused(accepted, caseworker, approver):
    attestation = attest(caseworker, accepted)
    refused(
        ValidationError,
        lambda: services.approve_payment(
            approver, attestation, paid_on=TODAY() + datetime.timedelta(days=1)
        ),
        "future",
        objects=[attestation],
    )
    yesterday = TODAY() - datetime.timedelta(days=1)
    assert services.approve_payment(approver, attestation, paid_on=yesterday).paid_on == yesterday


def test_nothing_is_attested_before_the_conditions_are_accepted(awarded, caseworker):
    refused(ValidationError, lambda: attest(caseworker, awarded), "accepted the conditions")


def test_a_closed_case_takes_no_payments(accepted, caseworker, approver):
    attestation = attest(caseworker, accepted)
    case_file = records.open_case(accepted.application, caseworker)
    CaseFile.objects.filter(pk=case_file.pk).update(closed_at=timezone.now())
    refused(
        ValidationError,
        lambda: services.approve_payment(approver, attestation),
        "closed",
        objects=[attestation],
    )
    refused(ValidationError, lambda: attest(caseworker, accepted, "1000"), "closed")


def test_the_factory_pays_through_both_steps(accepted):
    disbursement = factories.pay(accepted, Decimal("1000"))
    attestation = disbursement.attestation
    assert attestation.attested_by != attestation.handled_by == disbursement.recorded_by


# --- two approvers at once (PostgreSQL) -------------------------------------------------------


def test_two_approvers_at_once_make_one_payment(
    postgres, transactional_db, accepted, caseworker, approver, other_approver
):
    attestation = attest(caseworker, accepted, "95000")
    made, errors, crashes = at_once(
        [
            lambda: services.approve_payment(approver, attestation),
            lambda: services.approve_payment(other_approver, attestation),
        ]
    )
    assert crashes == []
    assert len(made) == 1 and len(errors) == 1
    assert "already been approved" in errors[0]
    assert Disbursement.objects.filter(award=accepted).count() == 1
    assert RegistryEntry.objects.filter(source_kind="grants.disbursement").count() == 1
    attestation.refresh_from_db()
    assert attestation.handled_by == made[0].recorded_by


def test_two_attestations_at_once_never_pass_the_award(
    postgres, transactional_db, accepted, caseworker, other_caseworker
):
    made, errors, crashes = at_once(
        [
            lambda: attest(caseworker, accepted, "60000"),
            lambda: attest(other_caseworker, accepted, "60000"),
        ]
    )
    assert crashes == []
    assert len(made) == 1 and len(errors) == 1
    assert PaymentAttestation.objects.filter(award=accepted).count() == 1


# --- the finance office's list ----------------------------------------------------------------


def day_url(body, **query):
    url = reverse("grants:payments_of_body", args=[body.pk])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def csv_url(body, day=None):
    url = reverse("grants:payments_csv", args=[body.pk])
    return f"{url}?day={day:%Y-%m-%d}" if day else url


@pytest.fixture
def body(scheme_year):
    return scheme_year.scheme.administrator


@pytest.fixture
def paid(accepted, caseworker, approver):
    return services.approve_payment(approver, attest(caseworker, accepted, "40000"))


def test_the_list_shows_the_days_approved_payments(client, paid, caseworker, body, participant):
    factories.pay(paid.award, Decimal("15000"))
    client.force_login(caseworker)
    response = client.get(day_url(body))
    assert response.status_code == 200
    content = response.content.decode()
    assert FORMATTED in content
    assert participant.name in content
    assert response.context["count"] == 2
    assert response.context["total"] == Decimal("55000")
    case_number = records.case_file_of(paid.award.application).number
    assert case_number in content
    assert paid.attestation.attested_by.full_name in content
    assert paid.recorded_by.full_name in content
    # Another day has none of them.
    yesterday = TODAY() - datetime.timedelta(days=1)
    response = client.get(day_url(body, day=yesterday.isoformat()))
    assert response.context["count"] == 0 and FORMATTED not in response.content.decode()
    # A day that cannot be read shows today, with the error.
    response = client.get(day_url(body, day="nonsense"))
    assert response.status_code == 200 and response.context["day"] == TODAY()
    assert response.context["form"].errors


def test_the_home_of_the_list_goes_to_the_users_body(client, caseworker, body, member):
    client.force_login(caseworker)
    response = client.get(reverse("grants:payments"))
    assert response.status_code == 302 and response.url == day_url(body)
    client.force_login(member)
    assert client.get(reverse("grants:payments")).status_code == 403


def test_the_csv_has_the_confirmed_account_and_the_total(client, paid, caseworker, body):
    factories.pay(paid.award, Decimal("15000"))
    client.force_login(caseworker)
    response = client.get(csv_url(body, TODAY()))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert len(lines) == 1 + 2 + 1
    organisation = paid.award.application.organisation
    first = lines[1].split(";")
    assert first[:4] == [organisation.name, organisation.org_number, FORMATTED, "40000,00"]
    assert records.case_file_of(paid.award.application).number in first
    assert lines[-1].split(";")[0] == "Total"
    assert lines[-1].split(";")[3] == "55000,00"
    event = Event.objects.get(verb=PAYMENTS_DOWNLOADED)
    assert (event.actor, event.target_id) == (caseworker, body.pk)


def test_only_the_bodys_caseworkers_see_the_list(
    client, paid, body, member, foreign_caseworker, admin_user
):
    for person in (member, foreign_caseworker, admin_user):
        client.force_login(person)
        for url in (day_url(body), csv_url(body)):
            response = client.get(url)
            assert response.status_code == 403, (person, url)
            assert FORMATTED.encode() not in response.content
    assert not Event.objects.filter(verb=PAYMENTS_DOWNLOADED).exists()
    # The other body's own list holds nothing of this body's.
    client.force_login(foreign_caseworker)
    own = foreign_caseworker.memberships.get().organisation
    response = client.get(day_url(own))
    assert response.status_code == 200 and response.context["count"] == 0
    assert FORMATTED not in response.content.decode()


def test_the_list_needs_few_queries(client, paid, caseworker, body, django_assert_max_num_queries):
    client.force_login(caseworker)
    client.get(day_url(body))

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(day_url(body)).status_code == 200
        return len(queries)

    few = count()
    for amount in ("1000", "2000", "3000"):
        factories.pay(paid.award, Decimal(amount))
    assert count() == few
    with django_assert_max_num_queries(10):
        client.get(day_url(body))
