"""Decisions: awards and rejections, appeals, clawbacks and change notices."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
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
    GrantReport,
    Instalment,
    Repayment,
)
from grants.services import texts
from grants.services._common import (
    _application_url,
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
from grants.services.money import _check_room
from grants.services.verbs import (
    ACCEPTED,
    APPEAL_HANDLED,
    APPEALED,
    AWARDED,
    CHANGE_NOTICE_HANDLED,
    CHANGE_NOTICE_SENT,
    CLAWBACK_OPENED,
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
)
from scheme import audit
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


def budget_position(scheme_year) -> dict:
    """The year's frame, what is awarded, what is proposed but not decided, and what is left
    (one query)."""
    proposals = Assessment.objects.filter(
        proposed=True,
        application__round__scheme_year=scheme_year,
        application__status__in=APPLICATION_UNDECIDED,
    )
    sums = (
        SchemeYear.objects.filter(pk=scheme_year.pk)
        .values_list(
            _total(Award.objects.in_year(scheme_year), "amount"),
            _total(proposals, "proposed_amount"),
        )
        .get()
    )
    awarded, proposed = sums
    return {
        "frame": scheme_year.budget_frame,
        "awarded": awarded,
        "proposed": proposed,
        "left": scheme_year.budget_frame - awarded,
    }


def _decide(actor, application, kind, reasons) -> Decision:
    if not reasons.strip():
        raise ValidationError({"reasons": _("A decision must give its reasons.")})
    decision = Decision(
        application=application,
        kind=kind,
        reasons=reasons,
        decided_by=actor,
        appeal_deadline=timezone.localdate() + APPEAL_PERIOD,
    )
    decision.full_clean()
    decision.save()
    return decision


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


@transaction.atomic
def award_grant(actor, application, *, amount: Decimal, reasons: str, instalments=None) -> Award:
    """Award a grant within the year's budget frame and the organisation's yearly maximum.

    The scheme year's row is locked first, so two caseworkers deciding at the same moment
    are serialised and neither the sum of awards nor an organisation's awards in the year's
    calls can pass their limits.
    """
    application = _under_assessment(actor, application, "award")
    scheme_year = SchemeYear.objects.select_for_update().get(pk=application.round.scheme_year_id)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than 0.")})
    if amount > (application.amount or ZERO):
        raise ValidationError(
            {"amount": _("The award cannot be more than the organisation applied for.")}
        )
    _check_room(application.organisation, scheme_year, amount, "amount")  # under the lock
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
    decision = _decide(actor, application, DecisionKind.AWARD, reasons)
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
def reject_application(actor, application, *, reasons: str) -> Decision:
    application = _under_assessment(actor, application, "reject")
    decision = _decide(actor, application, DecisionKind.REJECTION, reasons)
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
def accept_award(actor, award) -> Award:
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


# --- appeals ---------------------------------------------------------------------------------


@transaction.atomic
def lodge_appeal(actor, decision, grounds: str) -> Appeal:
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


@transaction.atomic
def open_clawback(
    actor, award, *, amount: Decimal, reasons: str, due_on, form_token=None
) -> Clawback:
    award = (
        Award.objects.select_for_update()
        .select_related("application__round__scheme_year__scheme", "application__organisation")
        .get(pk=award.pk)
    )
    application = award.application
    require_administers(actor, _scheme_of(application))
    _refuse_if_conflicted(actor, application)
    spend_form_token(actor, form_token)
    reclaimable = award.reclaimable()
    if amount <= 0 or amount > reclaimable:
        raise ValidationError(
            {
                "amount": _("You can claim back at most %(max)s (what has been paid out).")
                % {"max": format_nok(reclaimable)}
            }
        )
    if due_on <= timezone.localdate():
        raise ValidationError({"due_on": _("Give the organisation a repayment date ahead.")})
    decision = _decide(actor, application, DecisionKind.CLAWBACK, reasons)
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
def record_repayment(actor, clawback, *, amount: Decimal, paid_on, form_token=None) -> Repayment:
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
