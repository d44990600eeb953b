"""Each caseworker-side rule lives once, in a service or a model predicate (issue 17): the
service enforces it and the page shows what the same rule says, so the two cannot disagree."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import (
    AppealStatus,
    Application,
    ClawbackStatus,
    ImpartialityDeclaration,
    InstalmentState,
)
from tests import factories
from tests.grants.conftest import confirmed_account, refused

TODAY = timezone.localdate
IN_A_MONTH = TODAY() + datetime.timedelta(days=30)
ONE = Decimal("1")


def attest(caseworker, award, amount, instalment=None):
    return services.attest_payment(
        caseworker, award, amount=amount, pay_on=TODAY(), instalment=instalment
    )


def pay(caseworker, award, amount, instalment=None):
    """Attested by ``caseworker``, approved for payment by an approver of the body."""
    return factories.pay(award, amount, TODAY(), instalment=instalment, attester=caseworker)


def workspace(client, application):
    return client.get(reverse("grants:review_application", args=[application.pk]))


def declare(client, application, declaration, note=""):
    return client.post(
        reverse("grants:impartiality", args=[application.pk]),
        {"impartiality-declaration": declaration, "impartiality-note": note},
    )


def offered(response) -> list[str]:
    """The declarations the workspace offers."""
    if not response.context["show_impartiality"]:
        return []
    choices = response.context["impartiality_form"].fields["declaration"].choices
    return [value for value, _label in choices]


@pytest.fixture
def draft(member, call, participant):
    return services.start_application(member, call, participant)


@pytest.fixture
def logged_in(client, caseworker):
    client.force_login(caseworker)
    return client


# --- impartiality: "impartial" may become a conflict; a conflict stands ------------------------


def test_the_declarations_a_caseworker_may_make_follow_one_rule(caseworker, submitted):
    assert services.declaration_choices(caseworker, submitted) == [False, True]
    services.declare_impartiality(caseworker, submitted, has_conflict=False)
    assert services.declaration_choices(caseworker, submitted) == [True]
    refused(
        ValidationError,
        lambda: services.declare_impartiality(caseworker, submitted, has_conflict=False),
        "already declared that you are impartial",
        objects=[submitted],
    )
    services.declare_impartiality(caseworker, submitted, has_conflict=True, note="Nabo.")
    assert services.declaration_choices(caseworker, submitted) == []
    refused(
        ValidationError,
        lambda: services.declare_impartiality(caseworker, submitted, has_conflict=False),
        "another caseworker takes the case",
        objects=[submitted],
    )


def test_impartiality_is_declared_on_an_application_waiting_for_assessment(caseworker, draft):
    assert services.declaration_choices(caseworker, draft) == [True]
    refused(
        ValidationError,
        lambda: services.declare_impartiality(caseworker, draft, has_conflict=False),
        "not waiting for assessment",
        objects=[draft],
    )


def test_a_caseworker_who_declared_impartial_can_declare_a_conflict_on_the_page(
    logged_in, caseworker, submitted
):
    """The page offered one declaration only, while the service allowed the change."""
    declare(logged_in, submitted, "impartial")
    assert offered(workspace(logged_in, submitted)) == ["conflict"]
    response = declare(logged_in, submitted, "conflict", note="Styreleder er min søster.")
    assert response.status_code == 302
    declaration = ImpartialityDeclaration.objects.get(caseworker=caseworker)
    assert declaration.has_conflict and declaration.note == "Styreleder er min søster."
    page = workspace(logged_in, submitted)
    assert offered(page) == []
    assert not page.context["show_assessment"] and not page.context["show_decision"]


def test_a_declared_conflict_stands_on_the_page(logged_in, caseworker, submitted):
    declare(logged_in, submitted, "conflict", note="Nabo.")
    response = declare(logged_in, submitted, "impartial")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("another caseworker takes the case" in m for m in messages)
    assert ImpartialityDeclaration.objects.get(caseworker=caseworker).has_conflict


def test_the_page_offers_no_second_impartial_declaration(logged_in, caseworker, submitted):
    declare(logged_in, submitted, "impartial")
    response = declare(logged_in, submitted, "impartial")
    assert response.status_code == 200
    assert "declaration" in response.context["impartiality_form"].errors
    assert not ImpartialityDeclaration.objects.get(caseworker=caseworker).has_conflict


# --- the caseworker's steps come from the application's workflow -------------------------------


def test_the_workspace_offers_the_steps_the_services_allow(logged_in, impartial, submitted):
    may = workspace(logged_in, submitted).context["may"]
    assert may == {"assess": True, "award": True, "reject": True, "request_information": True}
    services.request_information(impartial, submitted, "Hvem leder?")
    may = workspace(logged_in, submitted).context["may"]
    assert may["award"] and not may["request_information"]
    refused(
        ValidationError,
        lambda: services.request_information(impartial, submitted, "Og?"),
        "not answered the last question",
        objects=[submitted],
    )


def test_a_decided_application_is_not_asked_about(impartial, submitted):
    services.reject_application(impartial, submitted, reasons="Svak plan.")
    refused(
        ValidationError,
        lambda: services.request_information(impartial, submitted, "Hvem?"),
        "only submitted applications",
        objects=[submitted],
    )


# --- money: the instalment's state and what can be claimed back --------------------------------


@pytest.fixture
def plan(impartial, submitted, member, participant):
    """An accepted award of 95 000 paid in two instalments, the second held for the report,
    to a confirmed account."""
    award = services.award_grant(
        impartial,
        submitted,
        amount=Decimal("95000"),
        reasons="Ja.",
        instalments=[(Decimal("75000"), TODAY(), False), (Decimal("20000"), TODAY(), True)],
    )
    services.accept_award(member, award)
    confirmed_account(member, impartial, participant)
    return award


def test_an_instalment_says_whether_it_can_be_paid(plan, caseworker):
    first, second = plan.instalments.order_by("number")
    assert (first.state, second.state) == (InstalmentState.TO_PAY, InstalmentState.HELD)
    assert first.is_payable and second.is_held
    pay(caseworker, plan, first.amount, first)
    first.refresh_from_db()
    assert first.is_paid
    refused(
        ValidationError,
        lambda: attest(caseworker, plan, ONE, first),
        "already been paid",
        objects=[plan],
    )
    refused(
        ValidationError,
        lambda: attest(caseworker, plan, second.amount, second),
        "held until the grant report is approved",
        objects=[plan],
    )
    assert plan.held_for_report() == Decimal("20000")


def test_what_can_be_claimed_back_is_one_rule(plan, caseworker, logged_in):
    first = plan.instalments.get(number=1)
    pay(caseworker, plan, first.amount, first)
    services.open_clawback(
        caseworker, plan, amount=Decimal("25000"), reasons="Brukt feil.", due_on=IN_A_MONTH
    )
    assert plan.reclaimable() == Decimal("50000")
    page = logged_in.get(reverse("grants:review_award", args=[plan.pk]))
    assert page.context["reclaimable"] == plan.reclaimable()
    refused(
        ValidationError,
        lambda: services.open_clawback(
            caseworker, plan, amount=Decimal("50001"), reasons="Mer.", due_on=IN_A_MONTH
        ),
        "at most",
        objects=[plan],
    )


def test_a_cancelled_clawback_claims_nothing(plan, caseworker, member):
    first = plan.instalments.get(number=1)
    pay(caseworker, plan, first.amount, first)
    clawback = services.open_clawback(
        caseworker, plan, amount=Decimal("75000"), reasons="Alt.", due_on=IN_A_MONTH
    )
    assert plan.reclaimable() == 0
    appeal = services.lodge_appeal(member, clawback.decision, "Vi brukte pengene riktig.")
    services.handle_appeal(caseworker, appeal, status=AppealStatus.CHANGED, outcome="Riktig.")
    clawback.refresh_from_db()
    assert clawback.status == ClawbackStatus.CANCELLED
    assert plan.reclaimable() == Decimal("75000")


# --- the workflows of appeals, clawbacks and change notices ------------------------------------


def test_a_clawback_that_is_settled_takes_no_more_repayments(plan, caseworker, logged_in):
    first = plan.instalments.get(number=1)
    pay(caseworker, plan, first.amount, first)
    clawback = services.open_clawback(
        caseworker, plan, amount=Decimal("1000"), reasons="Rest.", due_on=IN_A_MONTH
    )
    page = logged_in.get(reverse("grants:review_award", args=[plan.pk]))
    assert [c.form is not None for c in page.context["clawbacks"]] == [True]
    services.record_repayment(caseworker, clawback, amount=Decimal("1000"), paid_on=TODAY())
    clawback.refresh_from_db()
    assert clawback.status == ClawbackStatus.SETTLED
    page = logged_in.get(reverse("grants:review_award", args=[plan.pk]))
    assert not hasattr(page.context["clawbacks"][0], "form")
    refused(
        ValidationError,
        lambda: services.record_repayment(caseworker, clawback, amount=ONE, paid_on=TODAY()),
        "closed",
        objects=[clawback],
    )


def test_appeals_and_change_notices_are_handled_once_by_the_schemes_caseworkers(
    plan, caseworker, member, foreign_caseworker
):
    notice = services.send_change_notice(member, plan, "Ny leder.")
    refused(
        PermissionDenied,
        lambda: services.handle_change_notice(foreign_caseworker, notice, "Greit."),
        objects=[notice],
    )
    services.handle_change_notice(caseworker, notice, "Greit.")
    refused(
        ValidationError,
        lambda: services.handle_change_notice(caseworker, notice, "Igjen."),
        "already been handled",
        objects=[notice],
    )
    appeal = services.lodge_appeal(member, plan.decision, "For lite.")
    assert appeal.is_pending
    refused(
        PermissionDenied,
        lambda: services.handle_appeal(
            foreign_caseworker, appeal, status=AppealStatus.UPHELD, outcome="Nei."
        ),
        objects=[appeal],
    )
    services.handle_appeal(caseworker, appeal, status=AppealStatus.UPHELD, outcome="Står.")
    appeal.refresh_from_db()
    assert not appeal.is_pending
    refused(
        ValidationError,
        lambda: services.handle_appeal(
            caseworker, appeal, status=AppealStatus.CHANGED, outcome="Likevel."
        ),
        "already been handled",
        objects=[appeal],
    )


def test_templates_ask_the_appeal_workflow(plan, caseworker, member):
    appeal = services.lodge_appeal(member, plan.decision, "For lite.")
    page = Template('{% load states %}{% allowed appeal "handle" as may %}{{ may|yesno }}')
    for person, shown in ((caseworker, "yes"), (member, "no")):
        request = RequestFactory().get("/")
        request.user = person
        assert page.render(Context({"request": request, "appeal": appeal})) == shown


# --- the total score ----------------------------------------------------------------------------


def test_the_list_and_the_assessment_sum_the_scores_alike(impartial, submitted):
    scores = {"activity": (4, ""), "need": (5, ""), "resources": (3, ""), "goals": (2, "")}
    assessment = services.save_assessment(impartial, submitted, scores=scores)
    listed = Application.objects.with_total_score().get(pk=submitted.pk)
    assert listed.total_score == assessment.total_score == 14
