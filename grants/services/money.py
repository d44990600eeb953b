"""Money: the yearly maximum, the bank account for payouts and payments."""

from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants import records
from grants.account_numbers import clean_account_number
from grants.models import (
    ZERO,
    Award,
    Disbursement,
    PaymentAttestation,
    PayoutAccount,
    paid_by_q,
)
from grants.records import refuse_if_closed
from grants.services import payments_texts, texts
from grants.services._common import (
    _approvers,
    _award_url,
    _clean_changed,
    _day,
    _members,
    _nok,
    _scheme_of,
    _state_error,
)
from grants.services.payments_texts import PAYMENT_APPROVED, PAYMENT_ATTESTED, PAYMENT_REFUSED
from grants.services.verbs import ACCOUNT_CONFIRMED, ACCOUNT_GIVEN
from grants.workflows import AttestationStatus
from organisations.models import Organisation
from scheme import audit
from scheme.compiled import kept
from scheme.formatting import format_nok
from scheme.notifications import notify
from scheme.once import spend_form_token
from scheme.roles import (
    MemberRole,
    OrganisationKind,
    access_for,
    require,
    require_administers,
)

# --- the yearly maximum per organisation -----------------------------------------------------


class YearlyRoom(NamedTuple):
    """What an organisation may still be awarded in a scheme year: the year's maximum grant
    per organisation less what it has been awarded in every call of that year."""

    maximum: Decimal
    awarded: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.maximum - self.awarded, ZERO)

    @property
    def exhausted(self) -> bool:
        return self.left <= 0


@kept(id_lists=["organisation_ids", "year_ids"])
def _awarded_totals(organisation_ids, year_ids):
    """(organisation id, scheme year id, sum awarded) of the organisations in the years."""
    return (
        Award.objects.filter(
            application__organisation_id__in=organisation_ids,
            application__round__scheme_year_id__in=year_ids,
        )
        .order_by()
        .values("application__organisation_id", "application__round__scheme_year_id")
        .annotate(total=Sum("amount"))
        .values_list("application__organisation_id", "application__round__scheme_year_id", "total")
    )


def yearly_rooms(organisation_ids, scheme_years) -> dict:
    """{(organisation id, scheme year id): YearlyRoom} for every pair, in one query."""
    years = {year.pk: year for year in scheme_years}
    totals = _awarded_totals(organisation_ids=organisation_ids, year_ids=list(years))
    awarded = {(organisation, year): total for organisation, year, total in totals}
    return {
        (organisation, year_id): YearlyRoom(
            year.max_grant, awarded.get((organisation, year_id), ZERO)
        )
        for organisation in organisation_ids
        for year_id, year in years.items()
    }


def awarded_in_year(organisation_id, scheme_year):
    """What the organisation has been awarded in every call of the scheme year, as an
    expression (``scheme_year`` may be an OuterRef): the ``awarded`` of its YearlyRoom."""
    total = (
        Award.objects.filter(
            application__organisation_id=organisation_id,
            application__round__scheme_year=scheme_year,
        )
        .order_by()
        .values("application__organisation_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    return Coalesce(Subquery(total, output_field=money), Value(ZERO, output_field=money))


def yearly_room(organisation_id, scheme_year) -> YearlyRoom:
    """The organisation's room in the scheme year. Under the scheme year's lock (award_grant)
    the sum cannot change until the transaction ends."""
    return yearly_rooms([organisation_id], [scheme_year])[(organisation_id, scheme_year.pk)]


def room_message(room: YearlyRoom) -> str:
    """The organisation's room in words for its people."""
    if not room.awarded:
        return _("You can apply for at most %(max)s.") % {"max": format_nok(room.maximum)}
    if room.exhausted:
        return _(
            "Your organisation has already been awarded the year's maximum of %(max)s, so it "
            "cannot apply for more this year."
        ) % {"max": format_nok(room.maximum)}
    return _(
        "Your organisation has been awarded %(awarded)s this year already. The year's maximum "
        "is %(max)s, so you can apply for at most %(left)s."
    ) % {
        "awarded": format_nok(room.awarded),
        "max": format_nok(room.maximum),
        "left": format_nok(room.left),
    }


def _check_room(organisation, scheme_year, amount, field) -> None:
    """Refuse to propose or award ``amount`` when it would take the organisation past the
    year's maximum, with the error on ``field``."""
    room = yearly_room(organisation.pk, scheme_year)
    if amount is None or amount <= room.left:
        return
    if not room.awarded:
        message = _("The year's maximum grant is %(max)s.") % {"max": format_nok(room.maximum)}
    else:
        message = _(
            "%(organisation)s has been awarded %(awarded)s this year already. The year's maximum "
            "per organisation is %(max)s, so at most %(left)s can be given."
        ) % {
            "organisation": organisation.name,
            "awarded": format_nok(room.awarded),
            "max": format_nok(room.maximum),
            "left": format_nok(room.left),
        }
    raise ValidationError({field: message})


# --- the bank account for payouts ------------------------------------------------------------
#
# A classic fraud in grant schemes is to change where the money goes. So a new account waits
# until a caseworker (not the person who gave it) has confirmed it, every leader and the
# caseworkers who pay the organisation hear of each change, and the organisation's row is
# locked while an account is given or confirmed and while a payment reads it: a payment made
# at the same moment as a change goes before it (to the confirmed account) or is refused.


def _lock_organisation(organisation_id) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=organisation_id)


def current_payout_account(organisation_id) -> PayoutAccount | None:
    return (
        PayoutAccount.objects.current()
        .filter(organisation_id=organisation_id)
        .select_related("entered_by", "confirmed_by")
        .first()
    )


def payout_account_problem(account) -> str:
    """Why nothing can be paid to ``account``, the organisation's current one ("" when
    payments may go to it)."""
    if account is None:
        return _(
            "The organisation has not given a bank account for payouts. A leader of the "
            "organisation gives it on the grants page; then a caseworker confirms it."
        )
    if not account.is_confirmed:
        return _(
            "The bank account for payouts (%(account)s) is new and waits for a caseworker to "
            "confirm it. Check it with the organisation and confirm it before you pay."
        ) % {"account": account.masked}
    return ""


def may_give_payout_account(user, organisation) -> bool:
    """Only the organisation's leaders give or change where its money goes."""
    return organisation.kind == OrganisationKind.PARTICIPANT and access_for(user).is_leader_of(
        organisation.pk
    )


def may_show_full_account_number(user, account) -> bool:
    """The organisation's leaders and the caseworkers who pay it see the whole number on a
    deliberate "show"; the organisation's other people see it masked."""
    organisation_id = account.organisation_id
    return access_for(user).is_leader_of(organisation_id) or _pays(user, organisation_id)


def _pays(user, organisation_id) -> bool:
    """The user is a caseworker whose body runs a scheme in which the organisation has an
    award (or an admin)."""
    access = access_for(user)
    if access.is_admin:
        return True
    return (
        bool(access.administering_ids)
        and Organisation.objects.filter(paid_by_q(access, "pk"), pk=organisation_id).exists()
    )


def _leaders(organisation):
    return get_user_model().objects.filter(
        memberships__organisation=organisation,
        memberships__role=MemberRole.LEADER,
        is_active=True,
    )


def _paying_bodies(organisation) -> dict:
    """{administering body id: the latest award its schemes made the organisation}."""
    awards = (
        Award.objects.filter(application__organisation=organisation)
        .select_related("application__round__scheme_year__scheme")
        .order_by("decision__decided_at", "pk")
    )
    return {_scheme_of(award.application).administrator_id: award for award in awards}


@transaction.atomic
def give_payout_account(actor, organisation, number: str, *, form_token=None) -> PayoutAccount:
    """A leader gives the organisation's bank account for payouts, or a new one. The account
    before is kept, marked replaced; nothing is paid to the new one until a caseworker has
    confirmed it. Every leader and the caseworkers who pay the organisation are told."""
    organisation = _lock_organisation(organisation.pk)
    require(may_give_payout_account(actor, organisation))
    spend_form_token(actor, form_token)
    try:
        number = clean_account_number(number)
    except ValidationError as error:
        raise ValidationError({"number": error}) from None
    current = current_payout_account(organisation.pk)
    if current is not None and current.number == number:
        raise ValidationError(
            {"number": _("This is already the organisation's account for payouts.")}
        )
    now = timezone.now()
    if current is not None:
        current.superseded_at = now
        current.save(update_fields=["superseded_at"])
    account = PayoutAccount(
        organisation=organisation, number=number, entered_by=actor, entered_at=now
    )
    account.full_clean()
    account.save()
    audit.record(actor, ACCOUNT_GIVEN, organisation, account.masked)
    _tell_of_new_account(actor, organisation, account)
    return account


def _tell_of_new_account(actor, organisation, account):
    params = {
        "organisation": organisation.name,
        "person": actor.full_name,
        "account": account.masked,
    }
    notify(
        _leaders(organisation),
        *texts.NEW_ACCOUNT_TO_LEADERS,
        url=reverse("grants:payout_account", args=[organisation.pk]),
        **params,
    )
    caseworkers = get_user_model().objects.filter(is_active=True)
    for body_id, award in _paying_bodies(organisation).items():
        notify(
            caseworkers.filter(memberships__organisation_id=body_id),
            *texts.NEW_ACCOUNT_TO_CASEWORKERS,
            url=_award_url(award),
            **params,
        )


def confirmation_problem(user, account) -> str:
    """Why ``user`` cannot confirm ``account`` now ("" when they can, given that they pay the
    organisation)."""
    if not account.is_current:
        return _(
            "The organisation has given another account since. Check and confirm that one instead."
        )
    if account.is_confirmed:
        return _("This account is already confirmed.")
    if account.entered_by_id == user.pk:
        return _("You gave this account yourself, so another person must confirm it.")
    return ""


@transaction.atomic
def confirm_payout_account(actor, account) -> PayoutAccount:
    """A caseworker who pays the organisation confirms the account they have checked; from
    then on payments go to it. The person who gave the account cannot confirm it, and an
    account that has been replaced meanwhile is not confirmed (the new one is)."""
    organisation = _lock_organisation(account.organisation_id)
    require(_pays(actor, organisation.pk))
    account = PayoutAccount.objects.get(pk=account.pk)  # as it is now, under the lock
    problem = confirmation_problem(actor, account)
    if problem:
        raise _state_error(problem)
    account.confirmed_by = actor
    account.confirmed_at = timezone.now()
    account.save(update_fields=["confirmed_by", "confirmed_at"])
    audit.record(actor, ACCOUNT_CONFIRMED, organisation, account.masked)
    notify(
        _leaders(organisation),
        *texts.ACCOUNT_CONFIRMED,
        url=reverse("grants:payout_account", args=[organisation.pk]),
        email=False,
        organisation=organisation.name,
        account=account.masked,
    )
    return account


# --- money out: attested by one person, approved for payment by another -----------------------
#
# The state's financial regulations keep attesting a payment (the conditions for it are met)
# and approving it for payment apart: a caseworker of the scheme's body attests, an approver of
# the same body who is not the attester approves, and only then is the payment recorded. Both
# steps lock the award (then the organisation, whose account the payment goes to), so they
# take turns; an open attestation reserves its amount, so two attestations cannot together pay
# out more than the award.


def _lock_award(award_id) -> Award:
    return (
        Award.objects.select_for_update(of=("self",))  # the report is the outer join's side
        .select_related(
            "application__round__scheme_year__scheme__administrator",
            "application__organisation",
            "report",
        )
        .get(pk=award_id)
    )


def payment_problem(award, account) -> str:
    """Why no payment can be attested on the award now ("" when one can): the conditions are
    not accepted yet, the whole award is paid out or attested, or nothing can be paid to
    ``account``, the organisation's current one (``payout_account_problem``)."""
    if not award.accepted_at:
        return _("Money is paid out after the organisation has accepted the conditions.")
    disbursed = award.disbursed()
    if disbursed >= award.amount:
        return _("The whole award is paid out.")
    if disbursed + award.reserved() >= award.amount:
        return _("The rest of the award is attested and waits for approval for payment.")
    return payout_account_problem(account)


def _check_payment(award, account, amount, instalment, *, attestation=None):
    """Every rule a payment must keep, when it is attested and again when it is approved
    (``attestation``, whose own reservation is then not counted): the conditions accepted, a
    current confirmed account, the amount within what is left (less what open attestations
    reserve and what the payment plan holds for the report), and an instalment paid whole,
    once, and not while it is held. Returns the instalment, locked."""
    if not award.accepted_at:
        raise _state_error(
            _("Money is paid out after the organisation has accepted the conditions.")
        )
    disbursed = award.disbursed()
    if disbursed >= award.amount:
        raise _state_error(_("The whole award is paid out."))
    problem = payout_account_problem(account)
    if problem:
        raise _state_error(problem)
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than 0.")})
    if instalment is not None:
        instalment = award.instalments.select_for_update().filter(pk=instalment.pk).first()
        if instalment is None:
            raise ValidationError({"instalment": _("Choose an instalment of this award.")})
        if instalment.is_paid:
            raise _state_error(_("This instalment has already been paid."))
        others = instalment.attestations.filter(status=AttestationStatus.ATTESTED)
        if attestation is not None:
            others = others.exclude(pk=attestation.pk)
        if others.exists():
            raise _state_error(
                _("This instalment is already attested and waits for approval for payment.")
            )
        if amount != instalment.amount:
            raise ValidationError(
                {
                    "amount": _("Instalment %(n)d is %(amount)s; pay it in full.")
                    % {"n": instalment.number, "amount": format_nok(instalment.amount)}
                }
            )
        if instalment.is_held:
            raise _state_error(_("This instalment is held until the grant report is approved."))
    reserved = award.reserved(besides=attestation)
    if disbursed + reserved + amount > award.amount:
        left = max(award.amount - disbursed - reserved, ZERO)
        if reserved:
            message = _(
                "Only %(left)s of the award is left to pay out: %(reserved)s is attested and "
                "waits for approval for payment."
            ) % {"left": format_nok(left), "reserved": format_nok(reserved)}
        else:
            message = _("Only %(left)s of the award is left to pay out.") % {
                "left": format_nok(left)
            }
        raise ValidationError({"amount": message})
    # Money held for the report cannot leave by another instalment or a free payment.
    held = award.held_for_report()
    if disbursed + reserved + amount > award.amount - held:
        raise ValidationError(
            {
                "amount": _(
                    "%(held)s of the award is held until the grant report is approved; "
                    "only %(left)s can be paid out now."
                )
                % {
                    "held": format_nok(held),
                    "left": format_nok(max(award.amount - disbursed - reserved - held, ZERO)),
                }
            }
        )
    return instalment


@transaction.atomic
def attest_payment(
    actor, award, *, amount: Decimal, pay_on, instalment=None, form_token=None
) -> PaymentAttestation:
    """A caseworker of the scheme's body attests that a payment on the award may be made: the
    conditions are met, to the organisation's current, confirmed account (the attestation
    keeps which one). Nothing is paid until an approver of the body, not the attester,
    approves it for payment (``approve_payment``); until then it reserves its amount. The
    body's approvers are told."""
    award = _lock_award(award.pk)
    application = award.application
    scheme = _scheme_of(application)
    require_administers(actor, scheme)
    refuse_if_closed(application)
    spend_form_token(actor, form_token)
    # The account is read under the organisation's lock, so no change slips in before the
    # attestation is saved.
    _lock_organisation(application.organisation_id)
    account = current_payout_account(application.organisation_id)
    instalment = _check_payment(award, account, amount, instalment)
    if pay_on is None:
        raise ValidationError({"pay_on": _("Give the date the payment is to be made.")})
    attestation = PaymentAttestation(
        award=award,
        instalment=instalment,
        amount=amount,
        pay_on=pay_on,
        account=account,
        attested_by=actor,
    )
    attestation.full_clean()
    attestation.save()
    audit.record(actor, PAYMENT_ATTESTED, application, f"{format_nok(amount)}, {account.masked}")
    notify(
        _approvers(application, besides=actor),
        *payments_texts.PAYMENT_TO_APPROVE,
        url=_award_url(award),
        person=actor.full_name,
        amount=_nok(amount),
        organisation=application.organisation.name,
        date=_day(pay_on),
    )
    return attestation


def approval_problem(user, attestation) -> str:
    """Why ``user`` cannot approve or refuse the attested payment ("" when they can): only an
    approver of the scheme's body who did not attest it, while it waits."""
    scheme = _scheme_of(attestation.award.application)
    if attestation.attested_by_id == user.pk:
        return _(
            "You attested this payment yourself, so another person must approve it for "
            "payment: attesting and approving are kept apart."
        )
    if not access_for(user).approves_for(scheme):
        return _("Only an approver of the administering body approves payments.")
    if not attestation.is_open:
        return _("This payment has already been %(status)s.") % {
            "status": attestation.get_status_display()
        }
    return ""


def _locked_attestation(actor, attestation):
    """The attestation's award (locked first, as attesting locks it) and the attestation,
    locked and read as it is now, for an approver of its body who did not attest it."""
    award = _lock_award(attestation.award_id)
    application = award.application
    scheme = _scheme_of(application)
    require_administers(actor, scheme)
    attestation = (
        PaymentAttestation.objects.select_for_update(of=("self",))
        .select_related("attested_by", "instalment")
        .get(pk=attestation.pk)
    )
    attestation.award = award
    if attestation.attested_by_id == actor.pk:
        raise _state_error(approval_problem(actor, attestation))
    require(access_for(actor).approves_for(scheme))
    refuse_if_closed(application)
    if not attestation.is_open:
        raise _state_error(approval_problem(actor, attestation))
    return award, attestation


@transaction.atomic
def approve_payment(actor, attestation, *, paid_on=None) -> Disbursement:
    """An approver of the scheme's body, not the person who attested it, approves the attested
    payment for payment: the disbursement is recorded (paid on ``paid_on``, today by default),
    the organisation is told and the payment letter is registered in the case. The account
    must still be the organisation's current, confirmed one and the amount must still fit;
    two approvers at once make one payment (the second finds it approved)."""
    award, attestation = _locked_attestation(actor, attestation)
    application = award.application
    today = timezone.localdate()
    paid_on = paid_on or today
    if paid_on > today:
        raise ValidationError({"paid_on": _("The payment date cannot be in the future.")})
    _lock_organisation(application.organisation_id)
    account = current_payout_account(application.organisation_id)
    if account is not None and account.pk != attestation.account_id:
        raise _state_error(
            _(
                "The organisation has given another bank account since the payment was "
                "attested. Refuse this payment; it can be attested again to the new account "
                "once that is confirmed."
            )
        )
    instalment = _check_payment(
        award, account, attestation.amount, attestation.instalment, attestation=attestation
    )
    now = timezone.now()
    disbursement = Disbursement(
        award=award,
        instalment=instalment,
        amount=attestation.amount,
        paid_on=paid_on,
        account=account,
        recorded_by=actor,
        attestation=attestation,
    )
    disbursement.full_clean()
    disbursement.save()
    attestation.status = AttestationStatus.APPROVED
    attestation.handled_by = actor
    attestation.handled_at = now
    attestation.save(update_fields=["status", "handled_by", "handled_at"])
    attester = attestation.attested_by
    audit.record(
        actor,
        PAYMENT_APPROVED,
        application,
        f"{format_nok(attestation.amount)}, {account.masked}",
    )
    administrator = _scheme_of(application).administrator
    records.record(
        application,
        disbursement,
        document_type=records.DocumentType.PAYMENT,
        direction=records.Direction.OUTGOING,
        title=_("Payment of %(amount)s to %(organisation)s")
        % {"amount": format_nok(attestation.amount), "organisation": application.organisation.name},
        actor=attester,
        approver=actor,
    )
    notify(
        _members(application.organisation),
        *texts.PAID,
        url=_award_url(award),
        amount=_nok(attestation.amount),
        organisation=application.organisation.name,
        date=_day(paid_on),
        account=account.masked,
        administrator=administrator.name,
    )
    return disbursement


@transaction.atomic
def refuse_payment(actor, attestation, comment: str) -> PaymentAttestation:
    """An approver of the scheme's body, not the attester, refuses the attested payment and
    says why; its reservation ends and the attester is told."""
    award, attestation = _locked_attestation(actor, attestation)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say why the payment is refused.")})
    attestation.status = AttestationStatus.REFUSED
    attestation.handled_by = actor
    attestation.handled_at = timezone.now()
    attestation.comment = comment
    _clean_changed(attestation, comment="comment")
    attestation.save(update_fields=["status", "handled_by", "handled_at", "comment"])
    application = award.application
    audit.record(
        actor, PAYMENT_REFUSED, application, f"{format_nok(attestation.amount)}: {comment}"
    )
    notify(
        [attestation.attested_by],
        *payments_texts.PAYMENT_REFUSED_NOTICE,
        url=_award_url(award),
        person=actor.full_name,
        amount=_nok(attestation.amount),
        organisation=application.organisation.name,
        comment=comment,
    )
    return attestation
