"""Decisions: awards and rejections, appeals, clawbacks and change notices."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from grants.models import (
    APPEAL_PERIOD,
    ZERO,
    Appeal,
    AppealStatus,
    Application,
    Assessment,
    Award,
    ChangeNotice,
    Clawback,
    Decision,
    DecisionKind,
    DecisionProposal,
    GrantReport,
    Instalment,
    Repayment,
)
from grants.records import Direction, DocumentType, refuse_if_closed
from grants.records import record as record_document
from grants.services import texts
from grants.services._common import (
    _application_url,
    _approvers,
    _award_url,
    _caseworkers,
    _clean_changed,
    _day,
    _members,
    _nok,
    _require_member,
    _scheme_of,
    _state_error,
)
from grants.services.assessment import _refuse_if_conflicted, _under_assessment
from grants.services.money import _check_room, _lock_award
from grants.services.verbs import (
    ACCEPTED,
    APPEAL_HANDLED,
    APPEALED,
    AWARDED,
    CHANGE_NOTICE_HANDLED,
    CHANGE_NOTICE_SENT,
    CLAWBACK_OPENED,
    DECISION_PROPOSED,
    PROPOSAL_APPROVED,
    PROPOSAL_RETURNED,
    PROPOSAL_WITHDRAWN,
    REJECTED,
    REPAID,
)
from grants.workflows import (
    APPEAL_FLOW,
    APPEAL_OUTCOMES,
    APPLICATION_FLOW,
    APPLICATION_UNDECIDED,
    CHANGE_NOTICE_FLOW,
    CLAWBACK_FLOW,
    PROPOSAL_FLOW,
)
from scheme import audit
from scheme.compiled import first_row, kept
from scheme.formatting import format_nok
from scheme.models import SchemeYear
from scheme.notifications import notify
from scheme.once import spend_form_token
from scheme.roles import (
    require_administers,
)

MONEY = DecimalField(max_digits=12, decimal_places=2)

# --- decisions --------------------------------------------------------------------------------


def _total(queryset, field):
    """The sum of ``field`` over ``queryset`` as a subquery (0 for none)."""
    total = queryset.order_by().annotate(one=Value(1)).values("one").annotate(t=Sum(field))
    return Coalesce(Subquery(total.values("t")), Value(ZERO), output_field=MONEY)


@kept(params=["scheme_year_id"])
def _sums_of_year(scheme_year_id):
    """(awarded, proposed but not decided) in the scheme year."""
    proposals = Assessment.objects.filter(
        proposed=True,
        application__round__scheme_year_id=scheme_year_id,
        application__status__in=APPLICATION_UNDECIDED,
    )
    return SchemeYear.objects.filter(pk=scheme_year_id).values_list(
        _total(Award.objects.in_year(scheme_year_id), "amount"),
        _total(proposals, "proposed_amount"),
    )


def budget_position(scheme_year) -> dict:
    """The year's frame, what is awarded, what is proposed but not decided, and what is left
    (one query)."""
    awarded, proposed = first_row(_sums_of_year(scheme_year_id=scheme_year.pk))
    return {
        "frame": scheme_year.budget_frame,
        "awarded": awarded,
        "proposed": proposed,
        "left": scheme_year.budget_frame - awarded,
    }


def awarded_in_frame(scheme_year):
    """What the year's awards bind of its budget frame (``scheme.registry``'s commitment: one
    function, so that registering it again when the apps are loaded again adds nothing)."""
    return budget_position(scheme_year)["awarded"]


def _check_reasons(reasons):
    if not reasons.strip():
        raise ValidationError({"reasons": _("A decision must give its reasons.")})


# The decision letter's title in the case's record (the journal is kept in the portal's
# language, whoever registers the letter).
LETTER_TITLES = {
    DecisionKind.AWARD: _("Decision: grant awarded"),
    DecisionKind.REJECTION: _("Decision: application not granted"),
    DecisionKind.CLAWBACK: _("Decision: grant claimed back"),
}


APPEAL_TITLE = _("Appeal of a decision")
APPEAL_OUTCOME_TITLE = _("Decision on an appeal")


def _in_record_language(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def _decide(actor, application, kind, reasons, approved_by=None) -> Decision:
    """The decision, made by ``actor`` (the proposer, where a second person approves it as
    ``approved_by``), with its letter registered in the application's case."""
    _check_reasons(reasons)
    decision = Decision(
        application=application,
        kind=kind,
        reasons=reasons,
        decided_by=actor,
        approved_by=approved_by,
        appeal_deadline=timezone.localdate() + APPEAL_PERIOD,
    )
    decision.full_clean()
    decision.save()
    record_document(
        application,
        decision,
        document_type=(
            DocumentType.CLAWBACK if kind == DecisionKind.CLAWBACK else DocumentType.DECISION
        ),
        direction=Direction.OUTGOING,
        title=_in_record_language(LETTER_TITLES[kind]),
        actor=actor,
        approver=approved_by,
    )
    return decision


def _needs_approval(scheme, kind) -> bool:
    """Whether the scheme has decisions of ``kind`` proposed by one caseworker and approved by
    a second person."""
    return {
        DecisionKind.AWARD: scheme.awards_need_approval,
        DecisionKind.REJECTION: scheme.rejections_need_approval,
        DecisionKind.CLAWBACK: scheme.clawbacks_need_approval,
    }[kind]


def _refuse_if_needs_approval(application, kind):
    if _needs_approval(_scheme_of(application), kind):
        raise _state_error(
            _(
                "In this scheme a second person approves this kind of decision: propose it "
                "for approval."
            )
        )


def _payment_plan(award, instalments):
    """Instalments (amount, due date, after report approved); by default one, paid at once."""
    instalments = instalments or [(award.amount, timezone.localdate(), False)]
    if any(amount <= 0 for amount, _due, _after in instalments):
        raise ValidationError({"instalments": _("Each instalment must be more than 0.")})
    if sum(amount for amount, _due, _after in instalments) != award.amount:
        raise ValidationError(
            {"instalments": _("The instalments must add up to the amount awarded.")}
        )
    for n, (amount, due, after) in enumerate(instalments, start=1):
        instalment = Instalment(
            award=award, number=n, amount=amount, due_on=due, after_report_approved=after
        )
        try:
            instalment.full_clean()
        except ValidationError as error:
            raise ValidationError(
                {
                    "instalments": [
                        _("Instalment %(n)d: %(problem)s") % {"n": n, "problem": message}
                        for message in error.messages
                    ]
                }
            ) from None
        instalment.save()


def _lock_year(application) -> SchemeYear:
    return SchemeYear.objects.select_for_update().get(pk=application.round.scheme_year_id)


def _check_award(application, scheme_year, amount) -> None:
    """An award's amount: more than 0, within what was applied for, the organisation's yearly
    maximum and what is left of the year's budget frame (exact under the year's lock)."""
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than 0.")})
    if amount > (application.amount or ZERO):
        raise ValidationError(
            {"amount": _("The award cannot be more than the organisation applied for.")}
        )
    _check_room(application.organisation, scheme_year, amount, "amount")
    left = budget_position(scheme_year)["left"]
    if amount > left:
        raise ValidationError(
            {
                "amount": _(
                    "Only %(left)s is left of this year's budget frame. Lower the amount or "
                    "ask for the frame to be raised."
                )
                % {"left": format_nok(left)}
            }
        )


def _make_award(
    actor, application, scheme_year, *, amount, reasons, instalments, approved_by=None
) -> Award:
    """Award the grant once it is checked (under the year's lock): the decision, the award
    with its conditions, payment plan and report, the application's state; ``actor`` is the
    caseworker who decides (the proposer, where ``approved_by`` approved it)."""
    decision = _decide(actor, application, DecisionKind.AWARD, reasons, approved_by)
    award = Award.objects.create(
        application=application,
        decision=decision,
        amount=amount,
        conditions=[
            {"code": c.code, "text_nb": c.text_nb, "text_en": c.text_en}
            for c in scheme_year.scheme.conditions.all()
        ],
    )
    _payment_plan(award, instalments)
    GrantReport.objects.create(award=award, due_on=scheme_year.report_due_date)
    APPLICATION_FLOW.move(application, "award")
    application.caseworker = application.caseworker or actor
    application.save()
    audit.record(actor, AWARDED, application, format_nok(amount))
    notify(
        _members(application.organisation),
        *texts.AWARDED,
        url=_award_url(award),
        organisation=application.organisation.name,
        amount=_nok(amount),
        deadline=_day(decision.appeal_deadline),
    )
    return award


@transaction.atomic
def award_grant(actor, application, *, amount: Decimal, reasons: str, instalments=None) -> Award:
    """Award a grant within the year's budget frame and the organisation's yearly maximum.

    The scheme year's row is locked first, so two caseworkers deciding at the same moment
    are serialised and neither the sum of awards nor an organisation's awards in the year's
    calls can pass their limits. Where the scheme has awards approved by a second person,
    they are proposed (``propose_decision``) instead.
    """
    refuse_if_closed(application)
    application = _under_assessment(actor, application, "award")
    _refuse_if_needs_approval(application, DecisionKind.AWARD)
    scheme_year = _lock_year(application)
    _check_award(application, scheme_year, amount)  # under the lock
    return _make_award(
        actor, application, scheme_year, amount=amount, reasons=reasons, instalments=instalments
    )


def _make_rejection(actor, application, *, reasons, approved_by=None) -> Decision:
    decision = _decide(actor, application, DecisionKind.REJECTION, reasons, approved_by)
    APPLICATION_FLOW.move(application, "reject")
    application.caseworker = application.caseworker or actor
    application.save()
    audit.record(actor, REJECTED, application)
    notify(
        _members(application.organisation),
        *texts.REJECTED,
        url=_application_url(application),
        organisation=application.organisation.name,
        deadline=_day(decision.appeal_deadline),
    )
    return decision


@transaction.atomic
def reject_application(actor, application, *, reasons: str) -> Decision:
    refuse_if_closed(application)
    application = _under_assessment(actor, application, "reject")
    _refuse_if_needs_approval(application, DecisionKind.REJECTION)
    return _make_rejection(actor, application, reasons=reasons)


@transaction.atomic
def accept_award(actor, award) -> Award:
    refuse_if_closed(award.application)
    award = (
        Award.objects.select_for_update()
        .select_related("application__organisation")
        .get(pk=award.pk)
    )
    _require_member(actor, award.application.organisation)
    if award.accepted_at:
        raise _state_error(_("The conditions are already accepted."))
    award.accepted_at = timezone.now()
    award.accepted_by = actor
    award.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(actor, ACCEPTED, award.application)
    notify(
        _caseworkers(award.application),
        *texts.CONDITIONS_ACCEPTED,
        url=_award_url(award),
        person=actor.full_name,
        organisation=award.application.organisation.name,
        email=False,
    )
    return award


# --- two people on decisions: proposed by one caseworker, approved by another ----------------
#
# The scheme says which kinds of decision need a second person (``Scheme.*_need_approval``).
# The proposal is checked as far as it can be when proposed; approval locks the proposal's
# row (two approvers at once: one approves, the other is refused), then takes the same locks
# and checks as a decision made directly, and makes the decision through the same functions,
# with ``decided_by`` the proposer and ``approved_by`` the approver.


def _plan_as_json(instalments) -> list:
    """The payment plan as the proposal keeps it: [[amount, "YYYY-MM-DD", held], ...]."""
    return [[str(amount), due.isoformat(), bool(after)] for amount, due, after in instalments or []]


def plan_of(proposal) -> list:
    """The proposal's payment plan as (amount, due date, held until the report) rows."""
    return [
        (Decimal(amount), datetime.date.fromisoformat(due), bool(after))
        for amount, due, after in proposal.instalments or []
    ]


def _check_plan(amount, instalments) -> None:
    """What can be checked of a payment plan before the award exists (``_payment_plan``
    checks the rest when the award is made)."""
    if not instalments:
        return
    if any(part <= 0 for part, _due, _after in instalments):
        raise ValidationError({"instalments": _("Each instalment must be more than 0.")})
    if sum(part for part, _due, _after in instalments) != amount:
        raise ValidationError(
            {"instalments": _("The instalments must add up to the amount awarded.")}
        )


def open_proposal(application, kind=None):
    """The proposal waiting for approval on the application (of ``kind``), if any."""
    proposals = DecisionProposal.objects.filter(application=application, status="proposed")
    if kind is not None:
        proposals = proposals.filter(kind=kind)
    return proposals.select_related("proposed_by").first()


@transaction.atomic
def propose_decision(
    actor,
    application,
    *,
    kind,
    reasons,
    amount=None,
    instalments=None,
    award=None,
    repay_by=None,
) -> DecisionProposal:
    """Propose an award, a rejection or a clawback for a second person's approval, checked as
    far as it can be now (the budget and the yearly maximum again when it is approved)."""
    refuse_if_closed(application)
    if kind == DecisionKind.CLAWBACK:
        if award is None or award.application_id != application.pk:
            raise ValidationError({"award": _("Choose the award to claim back from.")})
        award = _lock_award(award.pk)
        application = award.application
        require_administers(actor, _scheme_of(application))
        _refuse_if_conflicted(actor, application)
        _check_clawback(award, amount, repay_by)
        instalments = None
    elif kind in (DecisionKind.AWARD, DecisionKind.REJECTION):
        step = "award" if kind == DecisionKind.AWARD else "reject"
        application = _under_assessment(actor, application, step)
        award = repay_by = None
        if kind == DecisionKind.AWARD:
            _check_award(application, application.round.scheme_year, amount)
            _check_plan(amount, instalments)
        else:
            amount = instalments = None
    else:
        raise ValueError(f"Not a kind of decision: {kind}")
    _check_reasons(reasons)
    if open_proposal(application, kind) is not None:
        raise _state_error(
            _("A proposal of this decision is already waiting for approval. Withdraw it first.")
        )
    proposal = DecisionProposal(
        application=application,
        kind=kind,
        reasons=reasons,
        amount=amount,
        instalments=_plan_as_json(instalments),
        award=award,
        repay_by=repay_by,
        proposed_by=actor,
    )
    proposal.full_clean()
    proposal.save()
    application.caseworker = application.caseworker or actor
    application.save(update_fields=["caseworker", "updated_at"])
    audit.record(actor, DECISION_PROPOSED, application, proposal.get_kind_display())
    notify(
        _approvers(application, besides=actor),
        *texts.PROPOSAL_WAITING,
        url=_proposal_url(proposal),
        person=actor.full_name,
        kind=lazy(proposal.get_kind_display, str)(),
        organisation=application.organisation.name,
    )
    return proposal


def _proposal_url(proposal):
    return reverse("grants:proposal", args=[proposal.pk])


def _lock_proposal(proposal) -> DecisionProposal:
    return (
        DecisionProposal.objects.select_for_update(of=("self",))
        .select_related(
            "application__round__scheme_year__scheme",
            "application__organisation",
            "proposed_by",
        )
        .get(pk=proposal.pk)
    )


def _lock_application(application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("round__scheme_year__scheme", "organisation")
        .get(pk=application.pk)
    )


@transaction.atomic
def approve_proposal(actor, proposal) -> Decision:
    """Approve a proposed decision: it is made now, under the same locks and checks as one
    made directly, in the proposer's name with ``actor`` as the approver."""
    refuse_if_closed(proposal.application)
    proposal = _lock_proposal(proposal)  # a second approver waits here, then is refused
    PROPOSAL_FLOW.require(actor, proposal, "approve")
    proposer = proposal.proposed_by
    for person in (proposer, actor):
        _refuse_if_conflicted(person, proposal.application)
    if proposal.kind == DecisionKind.CLAWBACK:
        award = _lock_award(proposal.award_id)
        _check_clawback(award, proposal.amount, proposal.repay_by)
        decision = _make_clawback(
            proposer,
            award,
            amount=proposal.amount,
            reasons=proposal.reasons,
            due_on=proposal.repay_by,
            approved_by=actor,
        ).decision
    else:
        application = _lock_application(proposal.application)
        step = "award" if proposal.kind == DecisionKind.AWARD else "reject"
        APPLICATION_FLOW.require(actor, application, step)
        if proposal.kind == DecisionKind.AWARD:
            scheme_year = _lock_year(application)
            _check_award(application, scheme_year, proposal.amount)  # under the lock
            decision = _make_award(
                proposer,
                application,
                scheme_year,
                amount=proposal.amount,
                reasons=proposal.reasons,
                instalments=plan_of(proposal),
                approved_by=actor,
            ).decision
        else:
            decision = _make_rejection(
                proposer, application, reasons=proposal.reasons, approved_by=actor
            )
    PROPOSAL_FLOW.move(proposal, "approve")
    proposal.handled_by = actor
    proposal.handled_at = timezone.now()
    proposal.decision = decision
    proposal.save(update_fields=["status", "handled_by", "handled_at", "decision"])
    audit.record(actor, PROPOSAL_APPROVED, proposal.application, proposal.get_kind_display())
    notify(
        [proposer],
        *texts.PROPOSAL_APPROVED,
        url=_application_url(proposal.application),
        person=actor.full_name,
        kind=lazy(proposal.get_kind_display, str)(),
        organisation=proposal.application.organisation.name,
        email=False,
    )
    return decision


@transaction.atomic
def return_proposal(actor, proposal, comment: str) -> DecisionProposal:
    """Send a proposed decision back to the proposer with what should change."""
    refuse_if_closed(proposal.application)
    proposal = _lock_proposal(proposal)
    PROPOSAL_FLOW.require(actor, proposal, "return")
    if not comment.strip():
        raise ValidationError({"comment": _("Say what should be changed.")})
    PROPOSAL_FLOW.move(proposal, "return")
    proposal.handled_by = actor
    proposal.handled_at = timezone.now()
    proposal.comment = comment
    _clean_changed(proposal, comment="comment")
    proposal.save(update_fields=["status", "handled_by", "handled_at", "comment"])
    audit.record(actor, PROPOSAL_RETURNED, proposal.application, proposal.get_kind_display())
    notify(
        [proposal.proposed_by],
        *texts.PROPOSAL_RETURNED,
        url=_application_url(proposal.application),
        person=actor.full_name,
        kind=lazy(proposal.get_kind_display, str)(),
        organisation=proposal.application.organisation.name,
        comment=comment,
    )
    return proposal


@transaction.atomic
def withdraw_proposal(actor, proposal) -> DecisionProposal:
    """Take back a proposed decision (the proposer, or another caseworker of the body)."""
    refuse_if_closed(proposal.application)
    proposal = _lock_proposal(proposal)
    PROPOSAL_FLOW.require(actor, proposal, "withdraw")
    PROPOSAL_FLOW.move(proposal, "withdraw")
    # handled_by names the second person; the timeline says who withdrew it.
    proposal.handled_at = timezone.now()
    proposal.save(update_fields=["status", "handled_at"])
    audit.record(actor, PROPOSAL_WITHDRAWN, proposal.application, proposal.get_kind_display())
    return proposal


# --- appeals ---------------------------------------------------------------------------------


@transaction.atomic
def lodge_appeal(actor, decision, grounds: str) -> Appeal:
    refuse_if_closed(decision.application)
    decision = (
        Decision.objects.select_for_update()
        .select_related("application__organisation")
        .get(pk=decision.pk)
    )
    _require_member(actor, decision.application.organisation)
    refusal = decision.appeal_refusal()
    if refusal:
        raise _state_error(refusal)
    if not grounds.strip():
        raise ValidationError({"grounds": _("Say why you think the decision is wrong.")})
    appeal = Appeal(decision=decision, grounds=grounds, lodged_by=actor)
    appeal.full_clean()
    appeal.save()
    record_document(
        decision.application,
        appeal,
        document_type=DocumentType.APPEAL,
        direction=Direction.INCOMING,
        title=_in_record_language(APPEAL_TITLE),
        actor=actor,
    )
    audit.record(actor, APPEALED, decision.application, decision.get_kind_display())
    notify(
        _caseworkers(decision.application),
        *texts.APPEAL_LODGED,
        url=_application_url(decision.application),
        organisation=decision.application.organisation.name,
        kind=lazy(decision.get_kind_display, str)(),
    )
    return appeal


@transaction.atomic
def handle_appeal(actor, appeal, *, status: str, outcome: str) -> Appeal:
    """Record the outcome of an appeal.

    When a rejection or a clawback is changed, the application goes back to assessment or
    the clawback is cancelled; the caseworker then decides anew.
    """
    refuse_if_closed(appeal.decision.application)
    appeal = (
        Appeal.objects.select_for_update()
        .select_related(
            "decision__application__round__scheme_year__scheme",
            "decision__application__organisation",
        )
        .get(pk=appeal.pk)
    )
    application = appeal.decision.application
    APPEAL_FLOW.require(actor, appeal, "handle")
    _refuse_if_conflicted(actor, application)
    if status not in APPEAL_OUTCOMES:
        raise ValidationError({"status": _("Choose whether the decision stands or is changed.")})
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write the outcome and its reasons.")})
    appeal.status = status
    appeal.outcome = outcome
    appeal.handled_by = actor
    appeal.handled_at = timezone.now()
    _clean_changed(appeal, outcome="outcome")
    appeal.save()
    if status == AppealStatus.CHANGED:
        _undo(appeal.decision)
    record_document(
        application,
        appeal,
        document_type=DocumentType.DECISION,
        direction=Direction.OUTGOING,
        title=_in_record_language(APPEAL_OUTCOME_TITLE),
        actor=actor,
    )
    audit.record(actor, APPEAL_HANDLED, application, appeal.get_status_display())
    notify(
        _members(application.organisation),
        *texts.APPEAL_HANDLED,
        url=_application_url(application),
        organisation=application.organisation.name,
        status=lazy(appeal.get_status_display, str)(),
        outcome=outcome,
    )
    return appeal


def _undo(decision):
    """What a changed decision means: a rejection or an unpaid award goes back to assessment
    for a new decision; a clawback is cancelled."""
    if decision.kind == DecisionKind.CLAWBACK:
        for clawback in Clawback.objects.filter(decision=decision):
            CLAWBACK_FLOW.move(clawback, "cancel")
            clawback.save(update_fields=["status"])
        return
    if decision.kind == DecisionKind.AWARD:
        award = decision.award
        if award.disbursements.exists() or award.clawbacks.exists():
            raise _state_error(
                _(
                    "Money has been paid out on this award, so the portal cannot undo it. "
                    "Record the appeal as upheld and change the grant with a clawback or a "
                    "new decision."
                )
            )
        award.report.delete()
        award.delete()
    application = Application.objects.get(pk=decision.application_id)
    APPLICATION_FLOW.move(application, "reopen")
    application.save(update_fields=["status", "updated_at"])


# --- clawback --------------------------------------------------------------------------------


def _check_clawback(award, amount, due_on) -> None:
    """At most what has been paid out (and not already claimed back), repaid by a day ahead."""
    reclaimable = award.reclaimable()
    if amount is None or amount <= 0 or amount > reclaimable:
        raise ValidationError(
            {
                "amount": _("You can claim back at most %(max)s (what has been paid out).")
                % {"max": format_nok(reclaimable)}
            }
        )
    if due_on is None or due_on <= timezone.localdate():
        raise ValidationError({"due_on": _("Give the organisation a repayment date ahead.")})


def _make_clawback(actor, award, *, amount, reasons, due_on, approved_by=None) -> Clawback:
    application = award.application
    decision = _decide(actor, application, DecisionKind.CLAWBACK, reasons, approved_by)
    clawback = Clawback(award=award, decision=decision, amount=amount, due_on=due_on)
    clawback.full_clean()
    clawback.save()
    audit.record(actor, CLAWBACK_OPENED, application, format_nok(amount))
    notify(
        _members(application.organisation),
        *texts.CLAWBACK_DECIDED,
        url=_award_url(award),
        amount=_nok(amount),
        organisation=application.organisation.name,
        due=_day(due_on),
        deadline=_day(decision.appeal_deadline),
        administrator=_scheme_of(application).administrator.name,
    )
    return clawback


@transaction.atomic
def open_clawback(
    actor, award, *, amount: Decimal, reasons: str, due_on, form_token=None
) -> Clawback:
    refuse_if_closed(award.application)
    award = _lock_award(award.pk)
    application = award.application
    require_administers(actor, _scheme_of(application))
    _refuse_if_conflicted(actor, application)
    _refuse_if_needs_approval(application, DecisionKind.CLAWBACK)
    spend_form_token(actor, form_token)
    _check_clawback(award, amount, due_on)
    return _make_clawback(actor, award, amount=amount, reasons=reasons, due_on=due_on)


@transaction.atomic
def record_repayment(actor, clawback, *, amount: Decimal, paid_on, form_token=None) -> Repayment:
    refuse_if_closed(clawback.award.application)
    clawback = (
        Clawback.objects.select_for_update()
        .select_related("award__application__round__scheme_year__scheme")
        .get(pk=clawback.pk)
    )
    application = clawback.award.application
    CLAWBACK_FLOW.require(actor, clawback, "repay")
    spend_form_token(actor, form_token)
    left = clawback.left_to_repay()
    if amount <= 0 or amount > left:
        raise ValidationError(
            {"amount": _("%(left)s is left to repay.") % {"left": format_nok(left)}}
        )
    repayment = Repayment(clawback=clawback, amount=amount, paid_on=paid_on, recorded_by=actor)
    repayment.full_clean()
    repayment.save()
    if amount == left:
        CLAWBACK_FLOW.move(clawback, "settle")
        clawback.save(update_fields=["status"])
    audit.record(actor, REPAID, application, format_nok(amount))
    return repayment


# --- change notices --------------------------------------------------------------------------


@transaction.atomic
def send_change_notice(actor, award, description: str, *, form_token=None) -> ChangeNotice:
    application = award.application
    refuse_if_closed(application)
    _require_member(actor, application.organisation)
    spend_form_token(actor, form_token)
    if not description.strip():
        raise ValidationError({"description": _("Describe what has changed.")})
    notice = ChangeNotice(award=award, description=description, sent_by=actor)
    notice.full_clean()
    notice.save()
    audit.record(actor, CHANGE_NOTICE_SENT, application)
    notify(
        _caseworkers(application),
        *texts.CHANGE_NOTICE_RECEIVED,
        url=_award_url(award),
        organisation=application.organisation.name,
        description=description,
    )
    return notice


@transaction.atomic
def handle_change_notice(actor, notice, outcome: str) -> ChangeNotice:
    refuse_if_closed(notice.award.application)
    notice = (
        ChangeNotice.objects.select_for_update()
        .select_related(
            "award__application__round__scheme_year__scheme", "award__application__organisation"
        )
        .get(pk=notice.pk)
    )
    application = notice.award.application
    CHANGE_NOTICE_FLOW.require(actor, notice, "handle")
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write what the change means for the grant.")})
    CHANGE_NOTICE_FLOW.move(notice, "handle")
    notice.outcome = outcome
    notice.handled_by = actor
    notice.handled_at = timezone.now()
    _clean_changed(notice, outcome="outcome")
    notice.save()
    audit.record(actor, CHANGE_NOTICE_HANDLED, application)
    notify(
        _members(application.organisation),
        *texts.CHANGE_NOTICE_HANDLED,
        url=_award_url(notice.award),
        organisation=application.organisation.name,
        outcome=outcome,
    )
    return notice
