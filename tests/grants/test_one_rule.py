"""Each applicant-side rule is decided once: the step forms show what the services decide
(``missing_for_submission``, ``missing_from_report``), the workflows in ``grants/workflows.py``
say who may take which step, and the budget is added up in one place."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from grants import services, steps
from grants.forms.applicant import accounts_formset, budget_formset
from grants.models import AppealStatus, ApplicationStatus, ReportStatus
from grants.workflows import APPLICATION_FLOW, REPORT_FLOW
from tests.grants.conftest import complete_application, fill_report, refused


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def complete(member, call, participant):
    return complete_application(member, call, participant)


def states_of(response) -> dict:
    return {step.slug: step.state for step in response.context["steps"]}


# --- the step states come from the service -----------------------------------------------------


def test_the_amount_step_is_missing_once_the_yearly_maximum_is_lowered_below_it(
    client, member, complete, scheme_year
):
    client.force_login(member)
    send_page = reverse("grants:application_submit", args=[complete.pk])
    assert states_of(client.get(send_page))["amount"] == steps.DONE
    scheme_year.max_grant = Decimal("50000")
    scheme_year.save()
    response = client.get(send_page)
    assert states_of(response)["amount"] == steps.MISSING
    assert [problem["step"] for problem in response.context["problems"]] == ["Amount and budget"]
    refused(ValidationError, lambda: services.submit_application(member, complete), "at most")


def test_every_step_the_service_names_is_missing_and_the_others_are_done(member, complete):
    missing = [services.Missing("documents", "Attach your statutes.")]
    listed = steps.step_list(
        steps.APPLICATION_STEPS,
        missing,
        current="documents",
        edit_url="grants:application_edit",
        pk=complete.pk,
        send_url="/send/",
    )
    assert [(step.slug, step.state, step.current) for step in listed] == [
        ("amount", steps.DONE, False),
        ("activities", steps.DONE, False),
        ("needs", steps.OPTIONAL, False),
        ("documents", steps.MISSING, True),
        ("send", None, False),
    ]


def test_the_report_names_the_step_of_each_missing_part(member, awarded):
    report = awarded.report
    assert {problem.part for problem in services.missing_from_report(report)} == {
        "results",
        "activities",
        "accounts",
    }
    fill_report(member, report)
    services.save_report(member, report, money_used_for="")
    report.refresh_from_db()
    assert services.missing_from_report(report) == [
        services.Missing("activities", "Say what the money went to.")
    ]


def test_the_report_steps_follow_the_service(client, member, awarded):
    report = awarded.report
    fill_report(member, report)
    services.save_report(member, report, money_used_for="")
    client.force_login(member)
    response = client.get(reverse("grants:report_submit", args=[report.pk]))
    assert states_of(response) == {
        "results": steps.DONE,
        "activities": steps.MISSING,
        "accounts": steps.DONE,
        "send": None,
    }
    assert response.context["problems"][0]["url"] == reverse(
        "grants:report_edit", args=[report.pk, "activities"]
    )


def test_the_documents_check_is_the_required_documents_rule(member, draft_without_documents):
    missing = services.missing_for_submission(draft_without_documents)
    assert [p.message for p in missing if p.part == "documents"] == [
        document.missing for document in services.REQUIRED_DOCUMENTS
    ]


@pytest.fixture
def draft_without_documents(member, call, participant):
    return services.start_application(member, call, participant)


# --- the workflows ---------------------------------------------------------------------------


def test_the_organisation_withdraws_while_the_application_is_undecided(
    client, member, complete, caseworker
):
    client.force_login(member)
    page = reverse("grants:application", args=[complete.pk])
    assert "Withdraw the application" in client.get(page).content.decode()
    assert APPLICATION_FLOW.decide(member, complete, "withdraw")
    assert not APPLICATION_FLOW.decide(caseworker, complete, "withdraw").permitted
    complete.status = ApplicationStatus.AWARDED
    complete.save()
    assert "Withdraw the application" not in client.get(page).content.decode()
    assert APPLICATION_FLOW.decide(member, complete, "withdraw").reason == (
        "A decided or withdrawn application cannot be withdrawn."
    )


def test_a_draft_is_sent_while_the_call_is_open_and_an_answer_after(member, complete, call):
    call.closes_on = call.opens_on
    call.save()
    complete.refresh_from_db()
    decision = APPLICATION_FLOW.decide(member, complete, "submit")
    assert not decision and "The call closed on" in decision.reason
    complete.status = ApplicationStatus.INFO_REQUESTED
    assert APPLICATION_FLOW.decide(member, complete, "submit")


def test_only_the_organisation_sends_and_only_the_caseworker_approves(member, caseworker, awarded):
    report = awarded.report
    fill_report(member, report)
    with pytest.raises(PermissionDenied):
        services.submit_report(caseworker, report)
    services.submit_report(member, report)
    with pytest.raises(PermissionDenied):
        services.approve_report(member, report)
    report.refresh_from_db()
    assert [t.name for t in REPORT_FLOW.available(caseworker, report)] == ["approve", "return"]
    services.approve_report(caseworker, report)
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


# --- the budget total ------------------------------------------------------------------------


def test_the_typed_budget_and_the_saved_one_add_up_the_same_way(member, complete):
    lines = list(complete.budget_lines.all())
    data = {
        "budget-TOTAL_FORMS": "2",
        "budget-INITIAL_FORMS": "0",
        "budget-MIN_NUM_FORMS": "0",
        "budget-MAX_NUM_FORMS": "1000",
    }
    for number, line in enumerate(lines):
        data[f"budget-{number}-category"] = line.category
        data[f"budget-{number}-description"] = line.description
        data[f"budget-{number}-amount"] = str(line.amount)
    formset = budget_formset(data, [])
    assert formset.is_valid(), formset.errors
    assert formset.running_total() == complete.budget_total == Decimal("99000")


def test_the_documents_step_lists_the_required_documents(client, member, draft_without_documents):
    client.force_login(member)
    page = reverse("grants:application_edit", args=[draft_without_documents.pk, "documents"])
    content = client.get(page).content.decode()
    assert "Statutes: still missing" in content
    assert "Annual report or accounts: still missing" in content


def test_a_decision_appealed_once_offers_no_second_appeal(client, member, impartial, submitted):
    decision = services.reject_application(impartial, submitted, reasons="Utenfor formålet.")
    appeal = services.lodge_appeal(member, decision, "Vi er innenfor formålet.")
    services.handle_appeal(impartial, appeal, status=AppealStatus.UPHELD, outcome="Står fast.")
    client.force_login(member)
    page = client.get(reverse("grants:application", args=[submitted.pk])).content.decode()
    assert "Appeal this decision" not in page
    response = client.get(reverse("grants:appeal", args=[decision.pk]), follow=True)
    assert "already been appealed" in response.content.decode()


def test_typed_accounts_are_totalled_like_saved_ones(member, awarded):
    report = awarded.report
    data = {
        "accounts-TOTAL_FORMS": "3",
        "accounts-INITIAL_FORMS": "0",
        "accounts-MIN_NUM_FORMS": "0",
        "accounts-MAX_NUM_FORMS": "1000",
        "accounts-0-kind": "expense",
        "accounts-0-category": "salary",
        "accounts-0-amount": "70000",
        "accounts-1-kind": "income",
        "accounts-1-category": "other",
        "accounts-1-amount": "5000",
        "accounts-2-kind": "expense",
        "accounts-2-category": "no such category",
        "accounts-2-amount": "1",
    }
    formset = accounts_formset(data)
    assert not formset.is_valid()
    typed = report.totals(formset.typed_lines())  # the refused row's amount counts too
    assert (typed["income"], typed["expenses"]) == (Decimal("5000"), Decimal("70001"))
    assert typed["unspent"] == max(awarded.disbursed() - Decimal("70001"), 0)
