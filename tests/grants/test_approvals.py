"""Two people on decisions (issue 13): where the scheme says so, one caseworker proposes an
award, a rejection or a clawback and a second person with the approver role in the same
administering body approves it (or sends it back). The proposer never approves their own
proposal; two approvers at once make one decision; the decision names both and its letter is
registered in the application's case.

The concurrent test needs PostgreSQL (real row locks).
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from grants import records, services
from grants.models import (
    ApplicationStatus,
    Award,
    Decision,
    DecisionKind,
    DecisionProposal,
    ProposalStatus,
)
from scheme.models import Event, Notification, SchemeYear
from scheme.records.models import Direction, DocumentType, RegistryEntry
from tests import factories
from tests.concurrency import at_once
from tests.grants.conftest import confirmed_account, refused

REASONS = "Søknaden svarer godt på ordningens mål."
PLAN = [
    (Decimal("60000"), timezone.localdate(), False),
    (Decimal("35000"), timezone.localdate() + datetime.timedelta(days=200), True),
]


@pytest.fixture
def scheme(scheme_year):
    scheme = scheme_year.scheme
    scheme.awards_need_approval = True
    scheme.rejections_need_approval = True
    scheme.clawbacks_need_approval = True
    scheme.save()
    return scheme


@pytest.fixture
def body(scheme):
    return scheme.administrator


@pytest.fixture
def approver(body):
    return factories.approver(body)


@pytest.fixture
def second_approver(body):
    return factories.approver(body)


def shrink_frame(scheme_year, frame=Decimal("50000")):
    """Lower the year's frame below the proposed award (the maximum grant with it)."""
    SchemeYear.objects.filter(pk=scheme_year.pk).update(budget_frame=frame, max_grant=frame)


@pytest.fixture
def proposal(scheme, approver, impartial, submitted):
    return services.propose_decision(
        impartial,
        submitted,
        kind=DecisionKind.AWARD,
        reasons=REASONS,
        amount=Decimal("95000"),
        instalments=PLAN,
    )


# --- proposing ------------------------------------------------------------------------------


def test_a_direct_award_is_refused_where_awards_need_approval(scheme, impartial, submitted):
    refused(
        ValidationError,
        lambda: services.award_grant(
            impartial, submitted, amount=Decimal("95000"), reasons=REASONS
        ),
        "propose it for approval",
        objects=[submitted],
    )


def test_a_direct_rejection_is_refused_where_rejections_need_approval(scheme, impartial, submitted):
    refused(
        ValidationError,
        lambda: services.reject_application(impartial, submitted, reasons=REASONS),
        "propose it for approval",
        objects=[submitted],
    )


def test_a_proposal_waits_and_the_approvers_are_told(proposal, approver, impartial, submitted):
    assert proposal.status == ProposalStatus.PROPOSED
    assert proposal.proposed_by == impartial
    assert services.plan_of(proposal) == PLAN
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED  # nothing decided yet
    assert not Decision.objects.filter(application=submitted).exists()
    assert Notification.objects.filter(recipient=approver).count() == 1
    assert not Notification.objects.filter(recipient=impartial).exists()
    assert Event.objects.filter(verb=services.DECISION_PROPOSED, actor=impartial).exists()


def test_a_proposal_is_checked_as_far_as_it_can_be(scheme, impartial, submitted):
    def propose(**changes):
        arguments = {"kind": DecisionKind.AWARD, "reasons": REASONS, "amount": Decimal("95000")}
        return lambda: services.propose_decision(impartial, submitted, **{**arguments, **changes})

    refused(ValidationError, propose(reasons=" "), "reasons")
    refused(ValidationError, propose(amount=Decimal("100000")), "more than the organisation")
    refused(ValidationError, propose(amount=Decimal("0")), "more than 0")
    refused(
        ValidationError,
        propose(instalments=[(Decimal("1000"), timezone.localdate(), False)]),
        "add up",
    )
    shrink_frame(submitted.round.scheme_year)
    refused(ValidationError, propose(), "maximum grant is")


def test_one_open_proposal_per_application_and_kind(proposal, impartial, submitted):
    refused(
        ValidationError,
        lambda: services.propose_decision(
            impartial, submitted, kind=DecisionKind.AWARD, reasons=REASONS, amount=Decimal("1")
        ),
        "already waiting for approval",
    )


def test_a_caseworker_who_has_not_declared_impartiality_cannot_propose(
    scheme, other_caseworker, submitted
):
    refused(
        ValidationError,
        lambda: services.propose_decision(
            other_caseworker, submitted, kind=DecisionKind.REJECTION, reasons=REASONS
        ),
        "impartiality",
    )


# --- approving --------------------------------------------------------------------------------


def test_the_proposer_cannot_approve_their_own_proposal(body, submitted):
    proposer = factories.approver(body)  # an approver too: still not their own proposal
    services.declare_impartiality(proposer, submitted, has_conflict=False)
    submitted.round.scheme_year.scheme.__class__.objects.filter(
        pk=submitted.round.scheme_year.scheme_id
    ).update(rejections_need_approval=True)
    proposal = services.propose_decision(
        proposer, submitted, kind=DecisionKind.REJECTION, reasons=REASONS
    )
    refused(
        ValidationError,
        lambda: services.approve_proposal(proposer, proposal),
        "you proposed this decision",
        objects=[proposal, submitted],
    )


def test_a_caseworker_without_the_approver_role_cannot_approve(
    proposal, other_caseworker, submitted
):
    refused(
        PermissionDenied,
        lambda: services.approve_proposal(other_caseworker, proposal),
        objects=[proposal, submitted],
    )


def test_an_approver_of_another_body_cannot_approve(proposal, submitted):
    stranger = factories.approver(factories.caseworker().memberships.get().organisation)
    refused(
        PermissionDenied,
        lambda: services.approve_proposal(stranger, proposal),
        objects=[proposal, submitted],
    )


def test_approval_makes_the_decision_in_both_names(proposal, approver, impartial, submitted):
    decision = services.approve_proposal(approver, proposal)
    assert decision.kind == DecisionKind.AWARD
    assert decision.decided_by == impartial
    assert decision.approved_by == approver
    award = Award.objects.get(decision=decision)
    assert award.amount == Decimal("95000")
    assert [(i.amount, i.due_on, i.after_report_approved) for i in award.instalments.all()] == PLAN
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.AWARDED
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert proposal.handled_by == approver
    assert proposal.decision == decision
    # the proposer hears of it, the organisation of the award
    assert Notification.objects.filter(recipient=impartial).exists()
    assert Event.objects.filter(verb=services.PROPOSAL_APPROVED, actor=approver).exists()
    assert Event.objects.filter(verb=services.AWARDED, actor=impartial).exists()


def test_approval_checks_the_budget_again(proposal, approver, impartial, submitted):
    """The year's rules may have changed (or other awards been made) since it was proposed:
    approval checks the amount again under the year's lock, as a direct award does."""
    shrink_frame(submitted.round.scheme_year)
    refused(
        ValidationError,
        lambda: services.approve_proposal(approver, proposal),
        "maximum grant is",
        objects=[proposal, submitted],
    )


def test_approval_checks_the_application_is_still_undecided(proposal, approver, member, submitted):
    services.withdraw_application(member, submitted)
    refused(
        ValidationError, lambda: services.approve_proposal(approver, proposal), objects=[proposal]
    )


def test_an_approved_proposal_is_not_approved_again(proposal, approver, second_approver):
    services.approve_proposal(approver, proposal)
    refused(
        ValidationError,
        lambda: services.approve_proposal(second_approver, proposal),
        "no longer waiting",
    )


def test_the_decision_is_registered_in_the_case_with_both_names(proposal, approver, impartial):
    decision = services.approve_proposal(approver, proposal)
    entry = RegistryEntry.objects.get(source_kind="grants.decision", source_id=decision.pk)
    case_file = records.case_file_of(proposal.application)
    assert entry.case_file == case_file
    assert entry.document_type == DocumentType.DECISION
    assert entry.direction == Direction.OUTGOING
    assert entry.approver == approver
    assert entry.number >= 1
    assert entry.number_label == f"{case_file.number}-{entry.number}"


def test_a_rejection_is_proposed_and_approved(scheme, impartial, submitted, approver):
    proposal = services.propose_decision(
        impartial, submitted, kind=DecisionKind.REJECTION, reasons="Utenfor ordningens formål."
    )
    decision = services.approve_proposal(approver, proposal)
    assert (decision.kind, decision.decided_by, decision.approved_by) == (
        DecisionKind.REJECTION,
        impartial,
        approver,
    )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.REJECTED


# --- sending back and withdrawing ------------------------------------------------------------


def test_an_approver_sends_a_proposal_back_with_a_comment(proposal, approver, impartial):
    refused(
        ValidationError,
        lambda: services.return_proposal(approver, proposal, "  "),
        "changed",
        objects=[proposal],
    )
    services.return_proposal(approver, proposal, "Begrunn beløpet bedre.")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.RETURNED
    assert proposal.comment == "Begrunn beløpet bedre."
    assert proposal.handled_by == approver
    assert Notification.objects.filter(recipient=impartial, body__contains="Begrunn").exists()
    # it can no longer be approved; a new one can be proposed
    refused(ValidationError, lambda: services.approve_proposal(approver, proposal), "no longer")
    again = services.propose_decision(
        impartial,
        proposal.application,
        kind=DecisionKind.AWARD,
        reasons=REASONS + " Beløpet dekker lønn.",
        amount=Decimal("90000"),
    )
    assert again.status == ProposalStatus.PROPOSED


def test_the_proposer_cannot_send_back_their_own_proposal(body, scheme, submitted):
    proposer = factories.approver(body)
    services.declare_impartiality(proposer, submitted, has_conflict=False)
    proposal = services.propose_decision(
        proposer, submitted, kind=DecisionKind.REJECTION, reasons=REASONS
    )
    refused(
        ValidationError,
        lambda: services.return_proposal(proposer, proposal, "Nei."),
        "you proposed",
        objects=[proposal],
    )


def test_the_proposer_or_a_colleague_withdraws_a_proposal(proposal, other_caseworker):
    services.withdraw_proposal(other_caseworker, proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert Event.objects.filter(verb=services.PROPOSAL_WITHDRAWN, actor=other_caseworker).exists()


def test_a_caseworker_of_another_body_cannot_withdraw(proposal, foreign_caseworker):
    refused(
        PermissionDenied,
        lambda: services.withdraw_proposal(foreign_caseworker, proposal),
        objects=[proposal],
    )


# --- clawbacks --------------------------------------------------------------------------------


@pytest.fixture
def paid_award(scheme_year, impartial, submitted, member, participant, caseworker):
    """An award made directly (the scheme's awards without approval), accepted and paid."""
    award = services.award_grant(impartial, submitted, amount=Decimal("95000"), reasons=REASONS)
    confirmed_account(member, caseworker, participant)
    services.accept_award(member, award)
    factories.pay(award, Decimal("95000"))
    scheme = scheme_year.scheme
    scheme.clawbacks_need_approval = True
    scheme.save()
    return award


def test_a_clawback_is_proposed_and_approved(paid_award, impartial):
    body = paid_award.application.round.scheme_year.scheme.administrator
    approver = factories.approver(body)
    due = timezone.localdate() + datetime.timedelta(days=30)
    refused(
        ValidationError,
        lambda: services.open_clawback(
            impartial, paid_award, amount=Decimal("5000"), reasons=REASONS, due_on=due
        ),
        "propose it for approval",
    )
    refused(
        ValidationError,
        lambda: services.propose_decision(
            impartial,
            paid_award.application,
            kind=DecisionKind.CLAWBACK,
            reasons=REASONS,
            amount=Decimal("100000"),
            award=paid_award,
            repay_by=due,
        ),
        "at most",
    )
    proposal = services.propose_decision(
        impartial,
        paid_award.application,
        kind=DecisionKind.CLAWBACK,
        reasons=REASONS,
        amount=Decimal("5000"),
        award=paid_award,
        repay_by=due,
    )
    decision = services.approve_proposal(approver, proposal)
    assert decision.clawback.amount == Decimal("5000")
    assert (decision.decided_by, decision.approved_by) == (impartial, approver)
    assert RegistryEntry.objects.filter(
        source_kind="grants.decision", source_id=decision.pk, document_type=DocumentType.CLAWBACK
    ).exists()


# --- the case record of appeals ---------------------------------------------------------------


def test_an_appeal_and_its_outcome_are_registered_in_the_case(impartial, submitted, member):
    decision = services.reject_application(impartial, submitted, reasons=REASONS)
    appeal = services.lodge_appeal(member, decision, "Vi mener søknaden passer ordningen.")
    services.handle_appeal(impartial, appeal, status="upheld", outcome="Vedtaket står.")
    entries = RegistryEntry.objects.filter(source_kind="grants.appeal", source_id=appeal.pk)
    assert sorted((e.direction, e.document_type) for e in entries) == sorted(
        [
            (Direction.INCOMING, DocumentType.APPEAL),
            (Direction.OUTGOING, DocumentType.DECISION),
        ]
    )


def test_a_closed_case_refuses_a_proposal(scheme, impartial, submitted, member):
    services.withdraw_application(member, submitted)
    case_file = records.case_file_of(submitted)
    from scheme.records import services as records_services

    records_services.close_case(impartial, case_file)
    refused(
        ValidationError,
        lambda: services.propose_decision(
            impartial, submitted, kind=DecisionKind.REJECTION, reasons=REASONS
        ),
        "is closed",
    )


# --- two approvers at once --------------------------------------------------------------------


@pytest.fixture
def waiting(scheme_year, body, submitted, member):
    """A proposed award on a scheme whose awards need approval (committed rows for threads)."""
    scheme = scheme_year.scheme
    scheme.awards_need_approval = True
    scheme.save()
    proposer = factories.caseworker(body)
    services.declare_impartiality(proposer, submitted, has_conflict=False)
    return services.propose_decision(
        proposer, submitted, kind=DecisionKind.AWARD, reasons=REASONS, amount=Decimal("95000")
    )


def test_two_approvers_at_once_make_one_decision(
    postgres, transactional_db, waiting, body, monkeypatch
):
    approvers = [factories.approver(body) for _ in range(3)]
    made, errors, crashes = at_once(
        [lambda a=a: services.approve_proposal(a, waiting) for a in approvers]
    )
    assert crashes == []
    assert len(made) == 1 and len(errors) == 2
    assert all("no longer waiting" in error for error in errors)
    assert Decision.objects.filter(application=waiting.application).count() == 1
    assert Award.objects.filter(application=waiting.application).count() == 1
    waiting.refresh_from_db()
    assert waiting.status == ProposalStatus.APPROVED
    assert waiting.decision == made[0]
    assert DecisionProposal.objects.filter(status=ProposalStatus.PROPOSED).count() == 0


def test_the_approvals_page_url_exists():
    assert reverse("grants:approvals")
