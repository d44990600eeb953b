"""Calls (rounds), invitations and the admission check before an application starts."""

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grants.models import (
    Invitation,
    Round,
)
from grants.services import texts
from grants.services._common import _day, _members
from grants.services.verbs import ORGANISATIONS_INVITED, ROUND_SAVED
from organisations import eligibility as admission
from scheme import audit
from scheme.notifications import notify
from scheme.once import spend_form_token
from scheme.roles import (
    OrganisationKind,
    require_administers,
)

# --- rounds ----------------------------------------------------------------------------------


@transaction.atomic
def save_round(actor, round_=None, *, form_token=None, **fields) -> Round:
    """Create a call (``round_`` None) or change one. A new call is made once however often
    its form is sent; a change may be sent again (it saves the same)."""
    scheme_year = fields.get("scheme_year") or round_.scheme_year
    require_administers(actor, scheme_year.scheme)
    if round_ is not None:
        # A caseworker may not take over another body's call by moving it to their own year.
        require_administers(actor, round_.scheme_year.scheme)
    else:
        spend_form_token(actor, form_token)
    round_ = round_ or Round()
    for name, value in fields.items():
        setattr(round_, name, value)
    round_.full_clean()
    round_.save()
    audit.record(actor, ROUND_SAVED, round_)
    return round_


@transaction.atomic
def invite(actor, round_, organisations) -> int:
    """Invite participant organisations to a closed call and tell their people. The call is
    locked, so two posts at once invite (and notify) each organisation once."""
    require_administers(actor, round_.scheme_year.scheme)
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    already = set(round_.invitations.values_list("organisation_id", flat=True))
    new = [
        organisation
        for organisation in organisations
        if organisation.pk not in already and organisation.kind == OrganisationKind.PARTICIPANT
    ]
    for organisation in new:  # one by one, so the audit log records each
        Invitation.objects.create(round=round_, organisation=organisation)
    for organisation in new:
        notify(
            _members(organisation),
            *texts.INVITED,
            url=reverse("grants:home"),
            round=round_.title,
            organisation=organisation.name,
            opens=_day(round_.opens_on),
            closes=_day(round_.closes_on),
        )
    if new:
        audit.record(actor, ORGANISATIONS_INVITED, round_, ", ".join(o.name for o in new))
    return len(new)


# --- admission: the call's eligibility rules, before an application is started ----------------


class Advice(NamedTuple):
    """One criterion of the eligibility check, and what the organisation can do about it."""

    criterion: admission.Criterion
    todo: str
    url: str  # the part of the profile that fixes it ("" when nothing there does)


class Admission(NamedTuple):
    """Whether an organisation may start an application in a call by the call's eligibility
    rules: a failed criterion blocks; an unknown one is a warning, since the profile may only
    be incomplete and the caseworker checks it in the assessment."""

    blocking: list[Advice]
    warnings: list[Advice]

    @property
    def allowed(self) -> bool:
        return not self.blocking


def _profile_url(organisation, part="") -> str:
    if part:
        return reverse("organisations:parts", args=[organisation.pk, part])
    return reverse("organisations:edit", args=[organisation.pk])


def _advice(criterion, round_, organisation) -> Advice:
    """What to do about a failed or unknown criterion, in plain words."""
    failed = criterion.outcome == admission.Outcome.FAIL
    year = round_.scheme_year
    if criterion.code == "registered":
        if failed:
            todo = _(
                "The scheme is only for organisations in Frivillighetsregisteret. Register the "
                "organisation at brreg.no, then update your profile here."
            )
        else:
            todo = _("Say on your profile whether the organisation is in Frivillighetsregisteret.")
        return Advice(criterion, todo, _profile_url(organisation))
    if criterion.code == "age":
        if failed:
            todo = _(
                "This scheme is for newly established organisations, founded less than "
                "%(years)d years before the deadline. If the founding date on your profile is "
                "wrong, correct it."
            ) % {"years": year.max_organisation_age_years}
        else:
            todo = _("Fill in the founding date on your profile.")
        return Advice(criterion, todo, _profile_url(organisation))
    if criterion.code == "applied":
        window = year.previous_application_window(round_.closes_on)
        params = {"first": window[0], "last": window[-1]}
        if failed:
            todo = (
                _(
                    "The scheme asks for an earlier application to IMDi or a municipality in "
                    "%(first)d–%(last)d. If you have made one, record it on your profile."
                )
                % params
            )
        else:
            todo = (
                _(
                    "Record your earlier grant applications on your profile: the scheme asks for "
                    "one to IMDi or a municipality in %(first)d–%(last)d."
                )
                % params
            )
        return Advice(criterion, todo, _profile_url(organisation, "previous-applications"))
    if criterion.code == "purpose":
        todo = _(
            "Describe what the organisation works for on your profile: the caseworker judges "
            "the purpose from it and from your application."
        )
        return Advice(criterion, todo, _profile_url(organisation))
    return Advice(criterion, _("Check this on your organisation's profile."), "")


def admission_check(round_, organisation) -> Admission:
    """The call's eligibility rules for ``organisation`` on the call's deadline. Continuation
    calls are for organisations already admitted: nothing is checked. The purpose is judged by
    the caseworker; it is a warning only when the profile does not describe it."""
    if round_.continuation:
        return Admission([], [])
    eligibility = admission.check_eligibility(organisation, round_.scheme_year, on=round_.closes_on)
    blocking, warnings = [], []
    for criterion in eligibility.criteria:
        if criterion.outcome == admission.Outcome.FAIL:
            blocking.append(_advice(criterion, round_, organisation))
        elif criterion.outcome == admission.Outcome.UNKNOWN and (
            criterion.code != "purpose" or not organisation.description.strip()
        ):
            warnings.append(_advice(criterion, round_, organisation))
    return Admission(blocking, warnings)


def _refuse_unless_admitted(round_, organisation) -> None:
    check = admission_check(round_, organisation)
    if not check.allowed:
        raise ValidationError(
            [
                _("%(criterion)s: %(reason)s %(todo)s")
                % {
                    "criterion": advice.criterion.label,
                    "reason": advice.criterion.reason,
                    "todo": advice.todo,
                }
                for advice in check.blocking
            ],
            code="not_eligible",
        )
