"""The organisation's side of a grant, through the pages: the member's whole path from the call
to the approved report, with invalid input at every step, the downloads, the access matrix by
URL guessing, and query counts that do not grow with the data."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from grants import services
from grants.models import (
    Appeal,
    Application,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    ChangeNotice,
    ReportStatus,
)
from organisations.models import CompetenceArea
from scheme import registry
from scheme.formatting import format_day
from scheme.models import AwardCondition
from tests import factories
from tests.grants.conftest import PDF, complete_application, eligible_organisation, pdf

OUTSIDERS = ["other_member", "mentor", "evaluator"]


@pytest.fixture(autouse=True)
def _receipts_drawn_up(monkeypatch):
    """Sending registers the application's receipt, drawn up once the transaction commits by
    the renderer the reports app registers; a stand-in where none is registered."""
    for kind in ("grants.application", "grants.grantreport"):
        if registry.document_renderer(kind) is None:
            monkeypatch.setitem(
                registry._document_renderers, kind, lambda entry, **options: b"%PDF-1.4\n"
            )


@pytest.fixture(autouse=True)
def _english(settings):
    """The pages in English, the language of the source strings these tests look for."""
    settings.LANGUAGE_CODE = "en"


def day(date):
    with override("en"):
        return format_day(date)


# --- helpers --------------------------------------------------------------------------------------


def edit_url(application, step):
    return reverse("grants:application_edit", args=[application.pk, step])


def report_url(report, step):
    return reverse("grants:report_edit", args=[report.pk, step])


def lines_data(prefix, lines, extra=1):
    """POST data for a formset of lines: each line a dict of field values."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(lines) + extra),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for number, line in enumerate(lines):
        for name, value in line.items():
            data[f"{prefix}-{number}-{name}"] = value
    for number in range(len(lines), len(lines) + extra):
        data.update({f"{prefix}-{number}-category": "", f"{prefix}-{number}-amount": ""})
    return data


def budget(amount, lines, **extra):
    data = lines_data(
        "budget",
        [{"category": c, "description": d, "amount": a} for c, d, a in lines],
    )
    return {"amount": amount, **data, **extra}


def accounts(lines):
    return lines_data(
        "accounts",
        [{"kind": k, "category": c, "description": d, "amount": a} for k, c, d, a in lines],
    )


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def outsider(request, db):
    return request.getfixturevalue(request.param)


@pytest.fixture
def draft(member, call, participant):
    participant.target_groups.add(factories.TargetGroupFactory())
    return services.start_application(member, call, participant)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def accepted(awarded, member):
    services.accept_award(member, awarded)
    return awarded


@pytest.fixture
def big_award(member, call, participant, caseworker):
    """An award above the audit threshold (100 000), so the report needs an auditor."""
    application = complete_application(member, call, participant, amount=Decimal("105000"))
    services.submit_application(member, application)
    services.declare_impartiality(caseworker, application, has_conflict=False)
    award = services.award_grant(
        caseworker, application, amount=Decimal("105000"), reasons="Sterk søknad."
    )
    services.accept_award(member, award)
    return award


# --- home and start -------------------------------------------------------------------------------


def test_home_shows_the_open_call_with_its_guidance_and_a_start_button(
    member_client, call, participant
):
    response = member_client.get(reverse("grants:home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert call.title in page
    assert "Søk om driftsmidler." in page
    assert reverse("grants:start", args=[call.pk, participant.pk]) in page
    assert participant.name in page


def test_home_offers_each_of_a_members_organisations(client, member, call, participant, caseworker):
    second = eligible_organisation()
    factories.member_of(second)  # someone else there too
    from organisations.models import Membership

    Membership.objects.create(user=member, organisation=second, role="member")
    services.invite(caseworker, call, [second])
    client.force_login(member)
    page = client.get(reverse("grants:home")).content.decode()
    assert reverse("grants:start", args=[call.pk, participant.pk]) in page
    assert reverse("grants:start", args=[call.pk, second.pk]) in page
    assert second.name in page


def test_starting_an_application_makes_a_draft_with_the_profiles_target_groups(
    member_client, call, participant
):
    group = factories.TargetGroupFactory()
    participant.target_groups.add(group)
    url = reverse("grants:start", args=[call.pk, participant.pk])
    assert member_client.get(url).status_code == 405
    response = member_client.post(url)
    application = Application.objects.get(round=call, organisation=participant)
    assert response.status_code == 302
    assert response.url == edit_url(application, "amount")
    assert application.status == ApplicationStatus.DRAFT
    assert list(application.target_groups.all()) == [group]
    # Starting again leads to the same application.
    response = member_client.post(url)
    assert response.url == reverse("grants:application", args=[application.pk])
    assert Application.objects.filter(round=call).count() == 1
    # The call is no longer offered; the application is listed with its next step.
    page = member_client.get(reverse("grants:home")).content.decode()
    assert url not in page
    assert reverse("grants:application", args=[application.pk]) in page


def test_an_organisation_not_invited_cannot_start(client, call, other_member, other_participant):
    """A closed call is hidden from an organisation that is not invited: not found."""
    client.force_login(other_member)
    response = client.post(reverse("grants:start", args=[call.pk, other_participant.pk]))
    assert response.status_code == 404
    assert not Application.objects.filter(organisation=other_participant).exists()
    assert call.title not in client.get(reverse("grants:home")).content.decode()


def test_the_dashboard_panel_shows_calls_and_applications(member_client, draft, call):
    page = member_client.get(reverse("dashboard")).content.decode()
    assert 'aria-labelledby="panel-grants"' in page
    assert reverse("grants:application", args=[draft.pk]) in page
    assert "Fill in the steps and send the application by" in page


def test_roles_without_organisations_to_apply_for_get_403_on_home(client, mentor, evaluator):
    for user in (mentor, evaluator):
        client.force_login(user)
        assert client.get(reverse("grants:home")).status_code == 403


# --- the application in steps ---------------------------------------------------------------------


def test_amount_and_budget_are_saved_and_the_next_step_follows(member_client, draft, scheme_year):
    page = member_client.get(edit_url(draft, "amount")).content.decode()
    assert "110" in page and "000" in page  # the year's maximum is shown
    response = member_client.post(
        edit_url(draft, "amount"),
        budget("99000", [("salary", "Koordinator", "90000"), ("activities", "Kafé", "9000")],
               **{"continue": "1"}),
    )  # fmt: skip
    assert response.status_code == 302
    assert response.url == edit_url(draft, "activities")
    draft.refresh_from_db()
    assert draft.amount == Decimal("99000")
    assert sorted(line.amount for line in draft.budget_lines.all()) == [
        Decimal("9000"),
        Decimal("90000"),
    ]
    page = member_client.get(edit_url(draft, "amount")).content.decode()
    assert "The budget adds up to the amount you apply for." in page


def test_amounts_are_read_as_people_write_them(member_client, draft):
    response = member_client.post(
        edit_url(draft, "amount"),
        budget("95 000 kr", [("salary", "", "90.000"), ("rent", "", "4 999,50"),
                             ("other", "", "0,50")]),
    )  # fmt: skip
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.amount == Decimal("95000")
    assert sorted(line.amount for line in draft.budget_lines.all()) == [
        Decimal("0.50"),
        Decimal("4999.50"),
        Decimal("90000"),
    ]
    page = member_client.get(edit_url(draft, "amount")).content.decode()
    assert 'value="95000"' in page  # not 95000.00
    response = member_client.post(edit_url(draft, "amount"), budget("mye", []))
    assert "Write the amount in numbers" in response.content.decode()


def test_an_amount_above_the_maximum_saves_nothing_and_keeps_the_input(member_client, draft):
    response = member_client.post(
        edit_url(draft, "amount"), budget("120000", [("salary", "Lønn", "120000")])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "You can apply for at most" in page
    assert 'value="120000"' in page
    assert "Lønn" in page
    draft.refresh_from_db()
    assert draft.amount is None
    assert not draft.budget_lines.exists()


def test_a_budget_line_without_a_category_saves_nothing(member_client, draft):
    response = member_client.post(
        edit_url(draft, "amount"),
        budget("50000", [("", "Husleie", "20000"), ("rent", "Lokale", "30000")]),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page
    assert "Line 1, Category" in page
    assert "Husleie" in page
    draft.refresh_from_db()
    assert draft.amount is None
    assert not draft.budget_lines.exists()


def test_a_budget_that_does_not_add_up_is_saved_with_a_warning(member_client, draft):
    response = member_client.post(
        edit_url(draft, "amount"), budget("99000", [("salary", "", "90000")]), follow=True
    )
    assert any("adds up to" in message for message in messages_of(response))
    page = response.content.decode()
    assert "less than the amount" in page
    draft.refresh_from_db()
    assert draft.budget_lines.count() == 1


def test_lines_can_be_removed_and_empty_lines_are_ignored(member_client, draft, member):
    services.save_budget(
        member,
        draft,
        [("salary", "A", Decimal("50000")), ("rent", "B", Decimal("10000"))],
    )
    data = budget("50000", [("salary", "A", "50000"), ("rent", "B", "10000")])
    data["budget-1-DELETE"] = "on"
    response = member_client.post(edit_url(draft, "amount"), data)
    assert response.status_code == 302
    assert [line.description for line in draft.budget_lines.all()] == ["A"]


def test_the_audit_threshold_is_explained_when_the_amount_is_above_it(member_client, draft):
    page = member_client.get(edit_url(draft, "amount")).content.decode()
    assert "Good to know" in page
    member_client.post(edit_url(draft, "amount"), budget("105000", [("salary", "", "105000")]))
    page = member_client.get(edit_url(draft, "amount")).content.decode()
    assert "the accounts will need an auditor" in page
    assert "registered or state-authorised auditor" in page


def test_activities_step(member_client, draft):
    group = draft.target_groups.get()
    response = member_client.post(
        edit_url(draft, "activities"),
        {"planned_activities": "Leksehjelp", "reach": "Barn", "people_reached": "-3",
         "target_groups": [group.pk]},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Leksehjelp" in response.content.decode()
    draft.refresh_from_db()
    assert draft.planned_activities == ""
    response = member_client.post(
        edit_url(draft, "activities"),
        {"planned_activities": "Leksehjelp", "reach": "Barn", "people_reached": "40",
         "target_groups": [group.pk]},
    )  # fmt: skip
    assert response.url == edit_url(draft, "activities")
    draft.refresh_from_db()
    assert (draft.planned_activities, draft.people_reached) == ("Leksehjelp", 40)


def test_needs_step(member_client, draft):
    areas = list(CompetenceArea.objects.all()[:2])
    assert areas, "the competence areas are seeded by a migration"
    response = member_client.post(
        edit_url(draft, "needs"),
        {"competence_needs": [a.pk for a in areas], "wants_mentor": "maybe"},
    )
    assert response.status_code == 200
    assert not draft.competence_needs.exists()
    response = member_client.post(
        edit_url(draft, "needs"),
        {"competence_needs": [a.pk for a in areas], "wants_mentor": "false",
         "planned_collaborations": "Biblioteket", "continue": "1"},
    )  # fmt: skip
    assert response.url == edit_url(draft, "documents")
    draft.refresh_from_db()
    assert draft.wants_mentor is False
    assert set(draft.competence_needs.all()) == set(areas)


def test_documents_step_uploads_and_refuses_bad_files(member_client, draft):
    page = member_client.get(edit_url(draft, "documents")).content.decode()
    assert "10.0" in page and "pdf" in page  # the limit and the types are shown up front
    fake = SimpleUploadedFile("vedtekter.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = member_client.post(edit_url(draft, "documents"), {"kind": "statutes", "file": fake})
    assert response.status_code == 200
    page = response.content.decode()
    assert "does not look like a .pdf file" in page
    assert '<option value="statutes" selected>' in page
    assert not Attachment.objects.exists()
    response = member_client.post(edit_url(draft, "documents"), {"kind": "statutes"})
    assert "Choose a file." in response.content.decode()
    program = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = member_client.post(edit_url(draft, "documents"), {"kind": "other", "file": program})
    assert "Files of this kind cannot be uploaded" in response.content.decode()
    response = member_client.post(
        edit_url(draft, "documents"), {"kind": "statutes", "file": pdf("vedtekter.pdf")}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.original_name) == ("statutes", "vedtekter.pdf")


def test_attachments_are_downloaded_and_removed(member_client, draft, member, caseworker, client):
    attachment = services.add_attachment(
        member, draft, AttachmentKind.STATUTES, pdf("våre vedtekter.pdf")
    )
    response = member_client.get(reverse("grants:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert "vedtekter.pdf" in response["Content-Disposition"]
    response = member_client.post(reverse("grants:attachment_remove", args=[attachment.pk]))
    assert response.url == edit_url(draft, "documents")
    assert not Attachment.objects.exists()


def test_caseworkers_download_attachments_too(client, submitted, caseworker):
    client.force_login(caseworker)
    attachment = submitted.attachments.first()
    response = client.get(reverse("grants:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    # ... but the organisation's forms are not theirs.
    response = client.post(reverse("grants:attachment_remove", args=[attachment.pk]))
    assert response.status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_an_unknown_step_is_404(member_client, draft):
    assert member_client.get(edit_url(draft, "nonsense")).status_code == 404


def test_steps_show_which_are_done(member_client, draft, member):
    services.save_application(member, draft, amount=Decimal("10000"))
    services.save_budget(member, draft, [("rent", "", Decimal("10000"))])
    page = member_client.get(edit_url(draft, "activities")).content.decode()
    assert page.count("✓ Done") == 1
    assert page.count("Not done yet") == 2
    assert "Optional" in page


# --- submitting -----------------------------------------------------------------------------------


def test_submit_is_blocked_with_what_is_missing(member_client, draft):
    url = reverse("grants:application_submit", args=[draft.pk])
    page = member_client.get(url).content.decode()
    assert "Say how much you apply for." in page
    assert edit_url(draft, "amount") in page
    assert "Attach your statutes." in page and edit_url(draft, "documents") in page
    assert "Registered in Frivillighetsregisteret" in page  # the eligibility check
    response = member_client.post(url)
    assert response.status_code == 200
    assert "The application was not sent" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_a_budget_mismatch_links_to_the_budget(member_client, draft, member):
    services.save_application(member, draft, amount=Decimal("10000"))
    services.save_budget(member, draft, [("rent", "", Decimal("9000"))])
    page = member_client.get(reverse("grants:application_submit", args=[draft.pk])).content
    assert "but you apply for" in page.decode()
    assert page.decode().count(edit_url(draft, "amount")) >= 2  # the steps and the problem


def test_a_complete_application_is_sent(member_client, member, call, participant, mailoutbox,
                                         django_capture_on_commit_callbacks):  # fmt: skip
    application = complete_application(member, call, participant)
    url = reverse("grants:application_submit", args=[application.pk])
    page = member_client.get(url).content.decode()
    assert "Everything is filled in." in page
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url, follow=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert response.redirect_chain[-1][0] == reverse(
        "grants:application_receipt", args=[application.pk]
    )
    assert any("The application is sent" in message for message in messages_of(response))
    assert len(mailoutbox) == 1
    # Sent applications can no longer be edited.
    response = member_client.get(edit_url(application, "amount"))
    assert response.url == reverse("grants:application", args=[application.pk])
    response = member_client.post(
        edit_url(application, "amount"), budget("1000", [("rent", "", "1000")])
    )
    application.refresh_from_db()
    assert application.amount == Decimal("99000")


def test_the_caseworkers_question_is_shown_and_answering_sends_it_back(
    member_client, submitted, impartial
):
    services.request_information(impartial, submitted, "Hvem er koordinator?")
    for url in (
        reverse("grants:application", args=[submitted.pk]),
        edit_url(submitted, "activities"),
        reverse("grants:application_submit", args=[submitted.pk]),
    ):
        assert "Hvem er koordinator?" in member_client.get(url).content.decode()
    response = member_client.post(
        edit_url(submitted, "needs"),
        {"wants_mentor": "true", "planned_collaborations": "Kari Nordmann koordinerer."},
    )
    assert response.status_code == 302
    member_client.post(reverse("grants:application_submit", args=[submitted.pk]))
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert submitted.planned_collaborations == "Kari Nordmann koordinerer."


# --- the application page and withdrawing ---------------------------------------------------------


def test_application_page_shows_status_next_step_answers_and_timeline(member_client, submitted):
    page = member_client.get(reverse("grants:application", args=[submitted.pk])).content.decode()
    assert "Status: submitted" in page
    assert "may phone you" in page
    assert "Leksehjelp og språkkafé hver uke." in page
    assert "Koordinator" in page  # the budget
    assert "vedtekter.pdf" in page
    assert "submitted the application" in page  # the timeline
    assert "Withdraw the application" in page


def test_withdrawing_needs_confirmation(member_client, submitted):
    url = reverse("grants:application_withdraw", args=[submitted.pk])
    assert member_client.get(url).status_code == 405
    response = member_client.post(url, follow=True)
    assert any("Tick the box" in message for message in messages_of(response))
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    member_client.post(url, {"confirm": "on"})
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.WITHDRAWN


def test_a_decided_application_cannot_be_withdrawn(member_client, awarded):
    application = awarded.application
    page = member_client.get(reverse("grants:application", args=[application.pk])).content
    assert b"Withdraw the application" not in page
    response = member_client.post(
        reverse("grants:application_withdraw", args=[application.pk]),
        {"confirm": "on"},
        follow=True,
    )
    assert any("cannot be withdrawn" in message for message in messages_of(response))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWARDED


def test_a_rejection_shows_its_reasons_and_can_be_appealed(member_client, submitted, impartial):
    decision = services.reject_application(impartial, submitted, reasons="Utenfor formålet.")
    page = member_client.get(reverse("grants:application", args=[submitted.pk])).content.decode()
    assert "Utenfor formålet." in page
    assert reverse("grants:appeal", args=[decision.pk]) in page
    url = reverse("grants:appeal", args=[decision.pk])
    response = member_client.post(url, {"grounds": "  "})
    assert response.status_code == 200
    assert "Say why you think the decision is wrong." in response.content.decode()
    assert not Appeal.objects.exists()
    response = member_client.post(url, {"grounds": "Vi jobber for integrering."})
    assert response.url == reverse("grants:application", args=[submitted.pk])
    appeal = Appeal.objects.get()
    assert appeal.grounds == "Vi jobber for integrering."
    page = member_client.get(reverse("grants:application", args=[submitted.pk])).content.decode()
    assert "Vi jobber for integrering." in page
    assert url not in page  # no second appeal while one is handled
    response = member_client.get(url, follow=True)
    assert any("being handled" in message for message in messages_of(response))
    response = member_client.post(url, {"grounds": "Igjen."})
    assert Appeal.objects.count() == 1


def test_an_appeal_after_the_deadline_is_refused(member_client, submitted, impartial):
    decision = services.reject_application(impartial, submitted, reasons="Nei.")
    # Three weeks pass (no service moves time).
    decision.__class__.objects.filter(pk=decision.pk).update(
        appeal_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = member_client.post(
        reverse("grants:appeal", args=[decision.pk]), {"grounds": "For sent."}, follow=True
    )
    assert any("deadline" in message for message in messages_of(response))
    assert not Appeal.objects.exists()


# --- the award ------------------------------------------------------------------------------------


def test_the_award_letter(member_client, awarded, scheme_year):
    url = reverse("grants:award", args=[awarded.pk])
    page = member_client.get(url).content.decode()
    assert scheme_year.scheme.administrator.name in page
    assert awarded.application.organisation.name in page
    assert "95" in page and "000" in page
    assert "Meld fra om endringer." in page  # the condition has no English text
    assert "God søknad med tydelig plan." in page  # the reasons
    assert day(awarded.report.due_on) in page
    assert "registered or state-authorised auditor" in page
    assert "you do not need an auditor" in page
    assert day(awarded.decision.appeal_deadline) in page
    assert reverse("grants:appeal", args=[awarded.decision.pk]) in page
    assert reverse("grants:change_notice", args=[awarded.pk]) in page
    assert reverse("grants:report", args=[awarded.report.pk]) in page


def test_the_conditions_are_in_english_for_english_readers(
    member_client, submitted, impartial, scheme_year
):
    AwardCondition.objects.create(
        scheme=scheme_year.scheme, position=2, code="report", text_nb="Send rapport.",
        text_en="Send a report.",
    )  # fmt: skip
    award = services.award_grant(impartial, submitted, amount=Decimal("90000"), reasons="Ja.")
    url = reverse("grants:award", args=[award.pk])
    page = member_client.get(url).content.decode()
    assert "Send a report." in page and "Send rapport." not in page
    assert "Meld fra om endringer." in page  # no English text: the Norwegian is shown
    member_client.cookies["django_language"] = "nb"
    assert "Send rapport." in member_client.get(url).content.decode()


def test_accepting_the_conditions(member_client, awarded, member):
    url = reverse("grants:award_accept", args=[awarded.pk])
    assert member_client.get(url).status_code == 405
    response = member_client.post(url, follow=True)
    awarded.refresh_from_db()
    assert awarded.accepted_by == member
    page = response.content.decode()
    assert "Accepted by" in page and member.full_name in page
    response = member_client.post(url, follow=True)
    assert any("already accepted" in message for message in messages_of(response))


def test_payments_and_clawbacks_are_shown_with_an_appeal_link(member_client, accepted, caseworker):
    first = accepted.instalments.first()
    factories.pay(accepted, first.amount, timezone.localdate(), instalment=first)
    clawback = services.open_clawback(
        caseworker,
        accepted,
        amount=Decimal("5000"),
        reasons="Brukt i strid med vilkårene.",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    page = member_client.get(reverse("grants:award", args=[accepted.pk])).content.decode()
    assert "Paid " in page
    assert "Brukt i strid med vilkårene." in page
    assert reverse("grants:appeal", args=[clawback.decision.pk]) in page
    response = member_client.post(
        reverse("grants:appeal", args=[clawback.decision.pk]), {"grounds": "Feil beløp."}
    )
    assert response.url == reverse("grants:award", args=[accepted.pk])
    assert Appeal.objects.get().decision == clawback.decision


def test_telling_about_a_change(member_client, awarded):
    url = reverse("grants:change_notice", args=[awarded.pk])
    assert member_client.get(url).status_code == 200
    response = member_client.post(url, {"description": ""})
    assert response.status_code == 200
    assert "Describe what has changed." in response.content.decode()
    assert not ChangeNotice.objects.exists()
    response = member_client.post(url, {"description": "Styreleder har gått av."})
    assert response.url == reverse("grants:award", args=[awarded.pk])
    assert ChangeNotice.objects.get().description == "Styreleder har gått av."
    page = member_client.get(response.url).content.decode()
    assert "Styreleder har gått av." in page


# --- the grant report -----------------------------------------------------------------------------


def fill_report(client, report, goal):
    client.post(report_url(report, "results"), {f"goal_{goal.pk}": "Vi lærte regnskap."})
    client.post(
        report_url(report, "activities"),
        {"activities_held": "Leksehjelp 40 ganger.", "people_reached": "130",
         "collaborations_started": "Biblioteket", "money_used_for": "Lønn."},
    )  # fmt: skip
    client.post(
        report_url(report, "accounts"),
        accounts([("income", "scheme_grant", "Tilskudd", "95000"),
                  ("expense", "salary", "Lønn", "90000")]),
    )  # fmt: skip


def test_report_steps_and_submit_without_an_auditor_below_the_threshold(
    member_client, accepted, caseworker
):
    report = accepted.report
    goal = accepted.scheme_year.scheme.goals.first()
    page = member_client.get(reverse("grants:report", args=[report.pk])).content.decode()
    assert report_url(report, "auditor") not in page  # no auditor step below the threshold
    response = member_client.get(report_url(report, "auditor"))
    assert response.url == reverse("grants:report", args=[report.pk])
    page = member_client.get(report_url(report, "results")).content.decode()
    assert "Mål 1" in page
    # Invalid input is kept and nothing is saved.
    response = member_client.post(
        report_url(report, "activities"),
        {"activities_held": "Leksehjelp", "people_reached": "mange"},
    )
    assert response.status_code == 200
    assert "Leksehjelp" in response.content.decode()
    report.refresh_from_db()
    assert report.activities_held == ""
    response = member_client.post(
        report_url(report, "accounts"),
        accounts([("expense", "salary", "Lønn", "abc"), ("", "rent", "Husleie", "100")]),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page and "Husleie" in page
    assert not report.account_lines.exists()
    # Sending too early is refused with the list.
    response = member_client.post(reverse("grants:report_submit", args=[report.pk]))
    assert "The report was not sent" in response.content.decode()
    assert report_url(report, "results") in response.content.decode()
    fill_report(member_client, report, goal)
    report.refresh_from_db()
    assert report.goal_results.get(goal=goal).text == "Vi lærte regnskap."
    assert report.account_lines.count() == 2
    page = member_client.get(report_url(report, "accounts")).content.decode()
    assert "Unspent" in page
    page = member_client.get(reverse("grants:report_submit", args=[report.pk])).content.decode()
    assert "Everything is filled in." in page
    response = member_client.post(reverse("grants:report_submit", args=[report.pk]))
    assert response.url == reverse("grants:report_receipt", args=[report.pk])
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    # Returned with a comment: the comment is shown, and it can be sent again.
    services.return_report(caseworker, report, "Legg ved flere detaljer.")
    page = member_client.get(reverse("grants:report", args=[report.pk])).content.decode()
    assert "Legg ved flere detaljer." in page
    page = member_client.get(report_url(report, "activities")).content.decode()
    assert "Legg ved flere detaljer." in page
    member_client.post(reverse("grants:report_submit", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_above_the_threshold_the_report_needs_the_auditor(member_client, big_award, caseworker):
    report = big_award.report
    goal = big_award.scheme_year.scheme.goals.first()
    fill_report(member_client, report, goal)
    response = member_client.post(reverse("grants:report_submit", args=[report.pk]))
    page = response.content.decode()
    assert "The report was not sent" in page
    assert report_url(report, "auditor") in page
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    # A bad file is refused; the typed name is kept.
    fake = SimpleUploadedFile("revisjon.pdf", b"no pdf", content_type="application/pdf")
    response = member_client.post(
        report_url(report, "auditor"),
        {"auditor_name": "Revisor AS", "auditor_number": "123456", "auditor_statement": fake},
    )
    assert response.status_code == 200
    assert "Revisor AS" in response.content.decode()
    report.refresh_from_db()
    assert report.auditor_name == "" and not report.auditor_statement
    response = member_client.post(
        report_url(report, "auditor"),
        {"auditor_name": "Revisor AS", "auditor_number": "123456",
         "auditor_statement": pdf("revisjon.pdf"), "continue": "1"},
    )  # fmt: skip
    assert response.url == reverse("grants:report_submit", args=[report.pk])
    response = member_client.get(reverse("grants:auditor_statement", args=[report.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    member_client.post(reverse("grants:report_submit", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    # The caseworker downloads the statement too.
    member_client.force_login(caseworker)
    assert (
        member_client.get(reverse("grants:auditor_statement", args=[report.pk])).status_code == 200
    )


def test_a_sent_report_cannot_be_edited(member_client, accepted):
    report = accepted.report
    fill_report(member_client, report, accepted.scheme_year.scheme.goals.first())
    member_client.post(reverse("grants:report_submit", args=[report.pk]))
    response = member_client.post(report_url(report, "activities"), {"activities_held": "Nytt"})
    assert response.url == reverse("grants:report", args=[report.pk])
    report.refresh_from_db()
    assert report.activities_held == "Leksehjelp 40 ganger."


def test_a_report_without_a_statement_has_no_download(member_client, accepted):
    url = reverse("grants:auditor_statement", args=[accepted.report.pk])
    assert member_client.get(url).status_code == 404


# --- caseworkers are sent to their own pages ------------------------------------------------------


def test_caseworkers_are_redirected_to_their_pages(client, caseworker, awarded):
    client.force_login(caseworker)
    application = awarded.application
    for name, target, pk in [
        ("grants:application", "grants:review_application", application.pk),
        ("grants:award", "grants:review_award", awarded.pk),
        ("grants:report", "grants:review_report", awarded.report.pk),
    ]:
        response = client.get(reverse(name, args=[pk]))
        assert response.status_code == 302
        assert response.url == reverse(target, args=[pk])
    assert client.get(reverse("grants:home")).url == reverse("grants:review")


def test_caseworkers_cannot_use_the_organisations_forms(client, caseworker, accepted):
    client.force_login(caseworker)
    application = accepted.application
    for url in (
        edit_url(application, "amount"),
        reverse("grants:application_submit", args=[application.pk]),
        reverse("grants:change_notice", args=[accepted.pk]),
        reverse("grants:appeal", args=[accepted.decision.pk]),
        report_url(accepted.report, "results"),
        reverse("grants:report_submit", args=[accepted.report.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("grants:award_accept", args=[accepted.pk])).status_code == 403


# --- the access matrix ----------------------------------------------------------------------------


@pytest.fixture
def whole_case(accepted, member, caseworker):
    """An awarded application with an attachment, a clawback decision, a change notice and an
    uploaded auditor statement: every kind of object the organisation's URLs reach."""
    application = accepted.application
    services.save_report(
        member, accepted.report, auditor_name="R", auditor_number="1",
        auditor_statement=pdf("revisjon.pdf"),
    )  # fmt: skip
    services.send_change_notice(member, accepted, "Endring.")
    return {
        "application": application,
        "attachment": application.attachments.first(),
        "award": accepted,
        "decision": accepted.decision,
        "report": accepted.report,
    }


def private_urls(case):
    application, award, report = case["application"], case["award"], case["report"]
    return [
        reverse("grants:application", args=[application.pk]),
        *(edit_url(application, step) for step in ("amount", "activities", "needs", "documents")),
        reverse("grants:application_submit", args=[application.pk]),
        reverse("grants:attachment", args=[case["attachment"].pk]),
        reverse("grants:award", args=[award.pk]),
        reverse("grants:change_notice", args=[award.pk]),
        reverse("grants:appeal", args=[case["decision"].pk]),
        reverse("grants:report", args=[report.pk]),
        *(report_url(report, step) for step in ("results", "activities", "accounts", "auditor")),
        reverse("grants:report_submit", args=[report.pk]),
        reverse("grants:auditor_statement", args=[report.pk]),
    ]


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_outsiders_get_404_on_every_url(client, outsider, whole_case):
    client.force_login(outsider)
    for url in private_urls(whole_case):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_outsiders_change_nothing_by_post(client, outsider, whole_case):
    case = whole_case
    application, award, report = case["application"], case["award"], case["report"]
    client.force_login(outsider)
    posts = [
        (reverse("grants:start", args=[application.round.pk, application.organisation.pk]), {}),
        (edit_url(application, "amount"), budget("1", [("rent", "", "1")])),
        (edit_url(application, "activities"), {"planned_activities": "Kapret"}),
        (edit_url(application, "documents"), {"kind": "other", "file": pdf("x.pdf")}),
        (reverse("grants:application_submit", args=[application.pk]), {}),
        (reverse("grants:application_withdraw", args=[application.pk]), {"confirm": "on"}),
        (reverse("grants:attachment_remove", args=[case["attachment"].pk]), {}),
        (reverse("grants:award_accept", args=[award.pk]), {}),
        (reverse("grants:change_notice", args=[award.pk]), {"description": "Kapret"}),
        (reverse("grants:appeal", args=[case["decision"].pk]), {"grounds": "Kapret"}),
        (report_url(report, "activities"), {"activities_held": "Kapret"}),
        (report_url(report, "accounts"), accounts([("expense", "rent", "", "1")])),
        (report_url(report, "auditor"), {"auditor_name": "Kapret"}),
        (reverse("grants:report_submit", args=[report.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    application.refresh_from_db()
    report.refresh_from_db()
    assert application.status == ApplicationStatus.AWARDED
    assert application.planned_activities != "Kapret"
    assert application.attachments.count() == 2
    assert ChangeNotice.objects.count() == 1
    assert not Appeal.objects.exists()
    assert report.activities_held == "" and report.auditor_name == "R"
    assert not report.account_lines.exists()
    assert report.status == ReportStatus.DRAFT


def test_another_organisations_member_cannot_start_for_them(
    client, other_member, call, participant
):
    client.force_login(other_member)
    response = client.post(reverse("grants:start", args=[call.pk, participant.pk]))
    assert response.status_code == 404
    assert not Application.objects.exists()


# --- query counts ---------------------------------------------------------------------------------


def many_applications(member, participant, caseworker, scheme_year, count):
    """``count`` applications of the member's organisation, each in its own call, one awarded."""
    today = timezone.localdate()
    applications = []
    for number in range(count):
        round_ = services.save_round(
            caseworker,
            scheme_year=scheme_year,
            title=f"Runde {number}",
            kind="open",
            opens_on=today - datetime.timedelta(days=1),
            closes_on=today + datetime.timedelta(days=10),
            guidance="Søk.",
        )
        applications.append(complete_application(member, round_, participant))
    return applications


def log_in_for_counting(client, user):
    """Log in and make a first request, so that the session's first write (the time of its
    last activity) is not counted as the cost of the page measured next."""
    client.force_login(user)
    client.get(reverse("grants:home"))


@pytest.mark.parametrize("count", [1, 6])
def test_home_queries_do_not_grow_with_applications(
    client, member, participant, caseworker, scheme_year, call, count, django_assert_max_num_queries
):
    applications = many_applications(member, participant, caseworker, scheme_year, count)
    for application in applications:
        services.submit_application(member, application)
        services.declare_impartiality(caseworker, application, has_conflict=False)
        services.award_grant(caseworker, application, amount=Decimal("1000"), reasons="Ja.")
    log_in_for_counting(client, member)
    with django_assert_max_num_queries(10):  # with the call's rules and the payout account
        response = client.get(reverse("grants:home"))
    assert (
        response.content.decode().count(reverse("grants:application", args=[applications[0].pk]))
        >= 1
    )


@pytest.mark.parametrize("lines", [1, 12])
def test_application_page_queries_do_not_grow_with_lines_and_attachments(
    client, member, call, participant, caseworker, lines, django_assert_max_num_queries
):
    application = complete_application(member, call, participant)
    amounts = [Decimal("99000") - (lines - 1) * 1000] + [Decimal("1000")] * (lines - 1)
    services.save_budget(
        member, application, [("other", f"Linje {n}", a) for n, a in enumerate(amounts)]
    )
    for _number in range(lines):
        services.add_attachment(member, application, AttachmentKind.OTHER, pdf())
    services.submit_application(member, application)
    services.declare_impartiality(caseworker, application, has_conflict=False)
    services.reject_application(caseworker, application, reasons="Nei.")
    log_in_for_counting(client, member)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("grants:application", args=[application.pk]))
    assert response.content.decode().count("Linje") == lines


@pytest.mark.parametrize("lines", [1, 12])
def test_award_and_report_pages_queries_do_not_grow(
    client, member, accepted, caseworker, lines, django_assert_max_num_queries
):
    report = accepted.report
    services.save_accounts(
        member, report, [("expense", "other", f"Linje {n}", Decimal("10")) for n in range(lines)]
    )
    for _number in range(lines):
        services.send_change_notice(member, accepted, "Endring.")
    log_in_for_counting(client, member)
    with django_assert_max_num_queries(11):  # with the case number in the header
        client.get(reverse("grants:award", args=[accepted.pk]))
    with django_assert_max_num_queries(8):  # with the case number in the header
        response = client.get(reverse("grants:report", args=[report.pk]))
    assert response.content.decode().count("Linje") == lines
