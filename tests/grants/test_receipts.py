"""The applicant's side of the case records (issue 13): sending opens the case with a
gap-free case number and registers the application and each attachment as documents of it;
the review before sending lists everything and holds the send button back while something is
missing; a receipt page shows what was sent; a closed case is read-only.

The concurrent test needs PostgreSQL (real row locks; SQLite serialises whole transactions and
is skipped, or fails under REQUIRE_SERVICES=1).
"""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from grants import records, services
from grants.models import ApplicationStatus, AttachmentKind
from scheme import registry
from scheme.records.models import CaseFile, Direction, DocumentType, RegistryEntry
from tests import factories
from tests.concurrency import at_once
from tests.grants.conftest import PDF, complete_application, eligible_organisation, fill_report, pdf


@pytest.fixture(autouse=True)
def _receipts_drawn_up(monkeypatch):
    """The receipt of what was sent is drawn up once the transaction commits, by the renderer
    the reports app registers; a stand-in where none is registered."""
    for kind in ("grants.application", "grants.grantreport"):
        if registry.document_renderer(kind) is None:
            monkeypatch.setitem(
                registry._document_renderers, kind, lambda entry, **options: b"%PDF-1.4\n"
            )


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def entries_of(application):
    return list(
        RegistryEntry.objects.filter(case_file=records.case_file_of(application))
        .select_related("case_file")
        .order_by("number")
    )


def year_now():
    return timezone.localdate().year


# --- case and document numbers --------------------------------------------------------------


def test_sending_opens_the_case_and_registers_the_application_and_each_attachment(
    member, call, participant
):
    application = complete_application(member, call, participant)
    assert records.case_file_of(application) is None  # a draft has no case
    services.submit_application(member, application)
    case_file = records.case_file_of(application)
    assert case_file.number == f"{year_now()}/1"
    assert case_file.body == call.scheme_year.scheme.administrator
    assert case_file.party == participant
    entries = entries_of(application)
    assert [entry.number for entry in entries] == [1, 2, 3]
    assert [entry.number_label for entry in entries] == [f"{year_now()}/1-{n}" for n in (1, 2, 3)]
    sent, *attachments = entries
    assert sent.document_type == DocumentType.APPLICATION
    assert sent.direction == Direction.INCOMING
    assert (sent.source_kind, sent.source_id) == ("grants.application", application.pk)
    assert sent.party_name == participant.name
    assert {entry.document_type for entry in attachments} == {DocumentType.ATTACHMENT}
    assert {entry.file_name for entry in attachments} == {"vedtekter.pdf", "regnskap.pdf"}
    assert {entry.source_id for entry in attachments} == set(
        application.attachments.values_list("pk", flat=True)
    )
    for entry in attachments:  # the bytes as received
        with entry.file.open("rb") as stored:
            assert stored.read() == PDF


def test_case_numbers_are_consecutive_and_a_refused_sending_takes_none(
    member, call, participant, other_participant, caseworker
):
    services.invite(caseworker, call, [other_participant])
    other = factories.member_of(other_participant)
    incomplete = services.start_application(other, call, other_participant)
    with pytest.raises(ValidationError):
        services.submit_application(other, incomplete)
    assert records.case_file_of(incomplete) is None
    first = complete_application(member, call, participant)
    services.submit_application(member, first)
    third = eligible_organisation()
    third_member = factories.member_of(third)
    services.invite(caseworker, call, [third])
    second = services.submit_application(
        third_member, complete_application(third_member, call, third)
    )
    assert records.case_file_of(first).number == f"{year_now()}/1"  # no number lost
    assert records.case_file_of(second).number == f"{year_now()}/2"
    assert CaseFile.objects.count() == 2


def test_the_answer_to_a_question_is_registered_again_with_new_attachments_only(
    member, submitted, impartial
):
    services.request_information(impartial, submitted, "Hvem er koordinator?")
    services.add_attachment(member, submitted, AttachmentKind.OTHER, pdf("plan.pdf"))
    services.submit_application(member, submitted)
    entries = entries_of(submitted)
    assert len({entry.case_file_id for entry in entries}) == 1  # the same case
    assert [entry.number for entry in entries] == [1, 2, 3, 4, 5]
    answer, plan = entries[3], entries[4]
    assert answer.document_type == DocumentType.APPLICATION
    assert answer.title != entries[0].title
    assert re.search(r"answer|svar", answer.title, re.IGNORECASE)
    assert plan.document_type == DocumentType.ATTACHMENT and plan.file_name == "plan.pdf"


@pytest.fixture
def two_complete(call, caseworker, participant, member):
    """Two complete drafts of two organisations, each with its member."""
    organisation = eligible_organisation()
    person = factories.member_of(organisation)
    services.invite(caseworker, call, [organisation])
    return [
        (member, complete_application(member, call, participant)),
        (person, complete_application(person, call, organisation)),
    ]


def test_two_sendings_at_once_get_two_consecutive_numbers(postgres, transactional_db, two_complete):
    made, errors, crashes = at_once(
        [
            lambda person=person, application=application: services.submit_application(
                person, application
            )
            for person, application in two_complete
        ]
    )
    assert crashes == [] and errors == []
    numbers = sorted(records.case_file_of(application).sequence for application in made)
    assert numbers == [1, 2]
    for application in made:
        assert [entry.number for entry in entries_of(application)] == [1, 2, 3]


# --- the grant report -----------------------------------------------------------------------


def test_sending_the_report_registers_it_and_the_auditors_certification(
    member, accepted_big, caseworker
):
    report = accepted_big.report
    statement = SimpleUploadedFile("revisor.pdf", PDF, content_type="application/pdf")
    fill_report(
        member, report, auditor_name="Revisor AS", auditor_number="12345",
        auditor_statement=statement,
    )  # fmt: skip
    before = len(entries_of(accepted_big.application))
    services.submit_report(member, report)
    sent, certification = entries_of(accepted_big.application)[before:]
    assert sent.document_type == DocumentType.REPORT and sent.direction == Direction.INCOMING
    assert (sent.source_kind, sent.source_id) == ("grants.grantreport", report.pk)
    assert certification.document_type == DocumentType.ATTACHMENT
    with certification.file.open("rb") as stored:
        assert stored.read() == PDF
    assert certification.number == sent.number + 1


# --- a closed case is read-only -------------------------------------------------------------


def test_a_closed_case_cannot_be_changed(member, submitted, impartial):
    case_file = records.case_file_of(submitted)
    case_file.closed_at = timezone.now()
    case_file.save()
    with pytest.raises(ValidationError, match="closed"):
        services.withdraw_application(member, submitted)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED


def test_a_closed_case_refuses_changes_to_its_report(member, accepted):
    case_file = records.case_file_of(accepted.application)
    case_file.closed_at = timezone.now()
    case_file.save()
    with pytest.raises(ValidationError, match="closed"):
        services.save_accounts(
            member, accepted.report, [("expense", "salary", "Lønn", Decimal("100"))]
        )
    assert not accepted.report.account_lines.exists()


# --- the review before sending ---------------------------------------------------------------


def send_button(page):
    return re.search(r"<button[^>]*>\s*Send the (application|grant report)", page).group(0)


def test_the_send_button_is_disabled_while_something_is_missing(member_client, member, draft):
    page = member_client.get(reverse("grants:application_submit", args=[draft.pk])).content
    page = page.decode()
    assert "disabled" in send_button(page)
    assert "Say how much you apply for." in page
    assert reverse("grants:application_edit", args=[draft.pk, "amount"]) in page
    # The service still refuses a POST.
    response = member_client.post(reverse("grants:application_submit", args=[draft.pk]))
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and records.case_file_of(draft) is None


def test_the_review_lists_every_answer_the_budget_and_the_documents(
    member_client, member, call, participant
):
    application = complete_application(member, call, participant)
    services.save_application(member, application, their_reference="Vår sak 7")
    page = member_client.get(reverse("grants:application_submit", args=[application.pk]))
    page = page.content.decode()
    assert "disabled" not in send_button(page)
    assert "Everything is filled in." in page
    for text in (
        "Leksehjelp og språkkafé hver uke.",
        "Barn og foreldre i bydelen.",
        "120",
        "Koordinator",
        "Kafé",
        "99,000",  # the budget's total
        "vedtekter.pdf",
        "regnskap.pdf",
        "Vår sak 7",
    ):
        assert text in page, text


def test_the_report_review_disables_sending_until_complete(member_client, member, accepted):
    report = accepted.report
    url = reverse("grants:report_submit", args=[report.pk])
    page = member_client.get(url).content.decode()
    assert "disabled" in send_button(page)
    assert reverse("grants:report_edit", args=[report.pk, "results"]) in page
    fill_report(member, report)
    page = member_client.get(url).content.decode()
    assert "disabled" not in send_button(page)
    assert "Leksehjelp 40 ganger." in page and "Lønn" in page


# --- the receipt -------------------------------------------------------------------------------


def test_the_receipt_page_after_sending(member_client, member, call, participant):
    application = complete_application(member, call, participant)
    response = member_client.post(reverse("grants:application_submit", args=[application.pk]))
    receipt = reverse("grants:application_receipt", args=[application.pk])
    assert response.url == receipt
    page = member_client.get(receipt).content.decode()
    number = f"{year_now()}/1"
    assert f"Case number {number}" in page
    for text in (f"{number}-1", f"{number}-2", f"{number}-3", "vedtekter.pdf", "Koordinator"):
        assert text in page, text
    sent = application.submitted_at or RegistryEntry.objects.get(number=1).registered_at
    assert str(timezone.localtime(sent).year) in page
    entry = RegistryEntry.objects.get(document_type=DocumentType.APPLICATION)
    try:
        pdf_url = reverse("records:document", args=[entry.pk])
    except NoReverseMatch:  # the records pages are not there yet
        pdf_url = None
    if pdf_url:
        assert pdf_url in page and "Download receipt (PDF)" in page


def test_the_receipt_is_for_the_organisation_and_only_once_sent(
    client, member, other_member, call, participant, caseworker
):
    application = complete_application(member, call, participant)
    receipt = reverse("grants:application_receipt", args=[application.pk])
    client.force_login(member)
    assert client.get(receipt).status_code == 404  # not sent yet
    services.submit_application(member, application)
    assert client.get(receipt).status_code == 200
    client.force_login(other_member)
    assert client.get(receipt).status_code == 404
    client.force_login(caseworker)
    assert client.get(receipt).status_code == 200


def test_the_report_receipt(client, member, other_member, accepted):
    report = fill_report(member, accepted.report)
    client.force_login(member)
    response = client.post(reverse("grants:report_submit", args=[report.pk]))
    receipt = reverse("grants:report_receipt", args=[report.pk])
    assert response.url == receipt
    page = client.get(receipt).content.decode()
    case_number = records.case_file_of(accepted.application).number
    assert f"Case number {case_number}" in page
    assert "Leksehjelp 40 ganger." in page
    client.force_login(other_member)
    assert client.get(receipt).status_code == 404


def test_the_case_number_heads_every_page_of_the_case(member_client, member, accepted):
    case_number = records.case_file_of(accepted.application).number
    report = accepted.report
    for url in (
        reverse("grants:application", args=[accepted.application.pk]),
        reverse("grants:award", args=[accepted.pk]),
        reverse("grants:change_notice", args=[accepted.pk]),
        reverse("grants:report", args=[report.pk]),
        reverse("grants:report_edit", args=[report.pk, "accounts"]),
        reverse("grants:report_submit", args=[report.pk]),
    ):
        assert f"Case number {case_number}" in member_client.get(url).content.decode(), url


def test_their_reference_is_given_on_the_first_step(member_client, draft):
    url = reverse("grants:application_edit", args=[draft.pk, "amount"])
    data = {
        "amount": "1000",
        "their_reference": "x" * 101,
        "budget-TOTAL_FORMS": "1",
        "budget-INITIAL_FORMS": "0",
        "budget-MIN_NUM_FORMS": "0",
        "budget-MAX_NUM_FORMS": "1000",
        "budget-0-category": "rent",
        "budget-0-amount": "1000",
    }
    response = member_client.post(url, data)
    assert response.status_code == 200  # too long: kept and refused
    assert "x" * 101 in response.content.decode()
    draft.refresh_from_db()
    assert draft.their_reference == ""
    response = member_client.post(url, {**data, "their_reference": "Søknad 2026-4"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.their_reference == "Søknad 2026-4"


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def draft(member, call, participant):
    return services.start_application(member, call, participant)


@pytest.fixture
def accepted(awarded, member):
    services.accept_award(member, awarded)
    return awarded


@pytest.fixture
def accepted_big(member, call, participant, caseworker):
    """An accepted award above the audit threshold (100 000): the report needs an auditor."""
    application = complete_application(member, call, participant, amount=Decimal("105000"))
    services.submit_application(member, application)
    services.declare_impartiality(caseworker, application, has_conflict=False)
    award = services.award_grant(
        caseworker, application, amount=Decimal("105000"), reasons="Sterk søknad."
    )
    services.accept_award(member, award)
    return award


@pytest.mark.parametrize("extra", [0, 6])
def test_the_receipt_page_queries_do_not_grow_with_attachments(
    client, member, call, participant, extra, django_assert_max_num_queries
):
    application = complete_application(member, call, participant)
    for number in range(extra):
        services.add_attachment(
            member, application, AttachmentKind.OTHER, pdf(f"bilag{number}.pdf")
        )
    services.submit_application(member, application)
    client.force_login(member)
    client.get(reverse("grants:home"))  # the session's first write is not the page's cost
    with django_assert_max_num_queries(12):
        response = client.get(reverse("grants:application_receipt", args=[application.pk]))
    # Each: the registered document's title and file, and the answers' document list.
    assert response.content.decode().count("bilag") == 3 * extra
