"""The steps of a grant's case objects, written once (``scheme.states``): the application (sent,
withdrawn, asked about, assessed, decided) and the grant report (sent, approved, returned).

Services call ``FLOW.require(actor, obj, name)`` before they change anything and
``FLOW.move(obj, name)`` to change the state; templates ask
``{% allowed application "withdraw" as may_withdraw %}``. The models name their workflow in a
``workflow`` attribute and take their state choices from here, so this module imports no model.

What depends on more than the state and the person is left to the services: the caseworker's
impartiality (declared per caseworker), and the parts still missing before something is sent
(``missing_for_submission``, ``missing_from_report``: a list, each with the step that fixes it).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from scheme.formatting import format_day
from scheme.roles import OrganisationKind
from scheme.states import Decision as Step
from scheme.states import Transition, Workflow


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    INFO_REQUESTED = "info_requested", _("more information asked for")
    AWARDED = "awarded", _("awarded")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("not sent")
    SUBMITTED = "submitted", _("sent, waiting for the caseworker")
    RETURNED = "returned", _("returned for changes")
    APPROVED = "approved", _("approved")


# The organisation changes its application while it is a draft or while it answers a question.
APPLICATION_EDITABLE = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.INFO_REQUESTED})
# Sent and not yet decided: the caseworker assesses and decides it.
APPLICATION_UNDECIDED = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED})
APPLICATION_DECIDED = frozenset({ApplicationStatus.AWARDED, ApplicationStatus.REJECTED})
# The organisation changes its report until it is sent, and again when it is returned.
REPORT_EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})


# --- who may take a step ---


def acts_for_organisation(access, organisation_id) -> bool:
    """Only people of the participant organisation itself act for it (its application, its
    report, and starting an application)."""
    return organisation_id in access.organisation_ids(OrganisationKind.PARTICIPANT)


def _applicant(access, application) -> bool:
    return acts_for_organisation(access, application.organisation_id)


def _runs_the_scheme(access, application) -> bool:
    return access.administers(application.round.scheme_year.scheme)


def _report_applicant(access, report) -> bool:
    return acts_for_organisation(access, report.award.application.organisation_id)


def _report_caseworker(access, report) -> bool:
    return _runs_the_scheme(access, report.award.application)


# --- what besides the state stops a step ---


def _call_closed(application) -> str | None:
    """A draft is sent while the call is open; an answer to a question may come later."""
    if application.status != ApplicationStatus.DRAFT or application.round.is_open():
        return None
    return _("The call closed on %(date)s.") % {"date": format_day(application.round.closes_on)}


APPLICATION_FLOW = Workflow(
    "status",
    [
        # the organisation's steps
        Transition(
            "edit",
            _("Change the application"),
            APPLICATION_EDITABLE,
            None,
            refusal=_("The application has been sent and can no longer be changed."),
            who=_applicant,
        ),
        Transition(
            "submit",
            _("Send the application"),
            APPLICATION_EDITABLE,
            ApplicationStatus.SUBMITTED,
            refusal=_("The application has been sent and can no longer be changed."),
            who=_applicant,
            guard=_call_closed,
        ),
        Transition(
            "withdraw",
            _("Withdraw the application"),
            APPLICATION_EDITABLE | APPLICATION_UNDECIDED,
            ApplicationStatus.WITHDRAWN,
            refusal=_("A decided or withdrawn application cannot be withdrawn."),
            who=_applicant,
        ),
        # the caseworker's steps (impartiality is checked by the services)
        Transition(
            "request_information",
            _("Ask the organisation"),
            frozenset({ApplicationStatus.SUBMITTED}),
            ApplicationStatus.INFO_REQUESTED,
            refusal=_("The organisation has not answered the last question yet."),
            who=_runs_the_scheme,
        ),
        Transition(
            "assess",
            _("Assess"),
            APPLICATION_UNDECIDED,
            None,
            refusal=_("Only submitted applications are assessed and decided."),
            who=_runs_the_scheme,
        ),
        Transition(
            "award",
            _("Award a grant"),
            APPLICATION_UNDECIDED,
            ApplicationStatus.AWARDED,
            refusal=_("Only submitted applications are assessed and decided."),
            who=_runs_the_scheme,
        ),
        Transition(
            "reject",
            _("Reject"),
            APPLICATION_UNDECIDED,
            ApplicationStatus.REJECTED,
            refusal=_("Only submitted applications are assessed and decided."),
            who=_runs_the_scheme,
        ),
        Transition(
            "reopen",
            _("Decide again"),
            APPLICATION_DECIDED,
            ApplicationStatus.SUBMITTED,
            refusal=_("Only a decided application is decided again."),
            who=_runs_the_scheme,
        ),
    ],
)


REPORT_FLOW = Workflow(
    "status",
    [
        Transition(
            "edit",
            _("Change the report"),
            REPORT_EDITABLE,
            None,
            refusal=_("The report has been sent and can no longer be changed."),
            who=_report_applicant,
        ),
        Transition(
            "submit",
            _("Send the report"),
            REPORT_EDITABLE,
            ReportStatus.SUBMITTED,
            refusal=_("The report has been sent and can no longer be changed."),
            who=_report_applicant,
        ),
        Transition(
            "approve",
            _("Approve"),
            frozenset({ReportStatus.SUBMITTED}),
            ReportStatus.APPROVED,
            refusal=_("Only a report that has been sent can be approved or returned."),
            who=_report_caseworker,
        ),
        Transition(
            "return",
            _("Return for changes"),
            frozenset({ReportStatus.SUBMITTED}),
            ReportStatus.RETURNED,
            refusal=_("Only a report that has been sent can be approved or returned."),
            who=_report_caseworker,
        ),
    ],
)


# --- what follows a decision: appeals, clawbacks, change notices ---
#
# A caseworker who has declared a conflict in the case takes none of these steps; that depends
# on the person's declaration, so the services check it (``_refuse_if_conflicted``).


class AppealStatus(models.TextChoices):
    LODGED = "lodged", _("lodged, being handled")
    UPHELD = "upheld", _("decision upheld")
    CHANGED = "changed", _("decision changed")


class ClawbackStatus(models.TextChoices):
    OPEN = "open", _("to be repaid")
    SETTLED = "settled", _("repaid")
    CANCELLED = "cancelled", _("cancelled after appeal")


class ChangeNoticeStatus(models.TextChoices):
    OPEN = "open", _("sent, waiting for the caseworker")
    HANDLED = "handled", _("handled")


# The outcomes a caseworker chooses between when handling an appeal.
class ProposalStatus(models.TextChoices):
    """A decision proposed by one caseworker, waiting for a second person's approval."""

    PROPOSED = "proposed", _("waiting for approval")
    RETURNED = "returned", _("sent back")
    APPROVED = "approved", _("approved")
    WITHDRAWN = "withdrawn", _("withdrawn")


class AttestationStatus(models.TextChoices):
    """A payment attested by one person, waiting to be approved for payment by another."""

    ATTESTED = "attested", _("waiting for approval")
    APPROVED = "approved", _("approved for payment")
    REFUSED = "refused", _("refused")


APPEAL_OUTCOMES = frozenset({AppealStatus.UPHELD, AppealStatus.CHANGED})


def _appeal_caseworker(access, appeal) -> bool:
    return _runs_the_scheme(access, appeal.decision.application)


def _award_caseworker(access, obj) -> bool:
    """For a clawback or a change notice: the caseworkers of the award's scheme."""
    return _runs_the_scheme(access, obj.award.application)


APPEAL_FLOW = Workflow(
    "status",
    [
        # Leads to the outcome the caseworker chooses (one of APPEAL_OUTCOMES).
        Transition(
            "handle",
            _("Handle the appeal"),
            frozenset({AppealStatus.LODGED}),
            None,
            refusal=_("This appeal has already been handled."),
            who=_appeal_caseworker,
        ),
    ],
)


CLAWBACK_FLOW = Workflow(
    "status",
    [
        Transition(
            "repay",
            _("Record a repayment"),
            frozenset({ClawbackStatus.OPEN}),
            None,
            refusal=_("This clawback is closed."),
            who=_award_caseworker,
        ),
        # Taken by the repayment that pays the rest.
        Transition(
            "settle",
            _("Settle"),
            frozenset({ClawbackStatus.OPEN}),
            ClawbackStatus.SETTLED,
            refusal=_("This clawback is closed."),
            who=_award_caseworker,
        ),
        # Taken when an appeal changes the clawback decision.
        Transition(
            "cancel",
            _("Cancel after appeal"),
            frozenset({ClawbackStatus.OPEN, ClawbackStatus.SETTLED}),
            ClawbackStatus.CANCELLED,
            refusal=_("This clawback is already cancelled."),
            who=_award_caseworker,
        ),
    ],
)


CHANGE_NOTICE_FLOW = Workflow(
    "status",
    [
        Transition(
            "handle",
            _("Handle the change notice"),
            frozenset({ChangeNoticeStatus.OPEN}),
            ChangeNoticeStatus.HANDLED,
            refusal=_("This change notice has already been handled."),
            who=_award_caseworker,
        ),
    ],
)


# --- two people on decisions: a caseworker proposes, an approver of the same body approves ---


def _proposal_approver(access, proposal) -> bool:
    """Approvers of the administering body of the proposal's scheme (the proposer is refused
    by ``ProposalWorkflow``, with a message)."""
    return access.approves_for(proposal.application.round.scheme_year.scheme)


def _proposal_caseworker(access, proposal) -> bool:
    """The proposer, or any caseworker of the body (a colleague tidies up for one away)."""
    return _runs_the_scheme(access, proposal.application)


# The steps only a second person takes.
SECOND_PERSON_STEPS = frozenset({"approve", "return"})


class ProposalWorkflow(Workflow):
    """A proposal's steps, where the proposer never takes the second person's steps: that
    depends on the person, not their role, so it is checked here with a plain reason."""

    def decide(self, actor, obj, name) -> Step:
        decision = super().decide(actor, obj, name)
        if decision and name in SECOND_PERSON_STEPS and actor.pk == obj.proposed_by_id:
            return Step(
                False,
                str(_("You proposed this decision, so another approver must approve it or send "
                      "it back.")),
            )  # fmt: skip
        return decision


PROPOSAL_FLOW = ProposalWorkflow(
    "status",
    [
        Transition(
            "approve",
            _("Approve"),
            frozenset({ProposalStatus.PROPOSED}),
            ProposalStatus.APPROVED,
            refusal=_("This proposal is no longer waiting for approval."),
            who=_proposal_approver,
        ),
        Transition(
            "return",
            _("Send back"),
            frozenset({ProposalStatus.PROPOSED}),
            ProposalStatus.RETURNED,
            refusal=_("This proposal is no longer waiting for approval."),
            who=_proposal_approver,
        ),
        Transition(
            "withdraw",
            _("Withdraw the proposal"),
            frozenset({ProposalStatus.PROPOSED}),
            ProposalStatus.WITHDRAWN,
            refusal=_("This proposal is no longer waiting for approval."),
            who=_proposal_caseworker,
        ),
    ],
)
