"""Whether an organisation may apply in a scheme year, criterion by criterion.

The criteria are those of the circular (Rundskriv 10-2022): registered in
Frivillighetsregisteret; founded less than the year's maximum age before the reference date;
applied for a grant from IMDi or a municipality within the year's window; and working for the
scheme's purpose, which only a caseworker can judge. Each criterion passes, fails or is
unknown (the data is missing), always with the reason in words.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.models import Grantor
from scheme.formatting import format_day


class Outcome(models.TextChoices):
    PASS = "pass", _("met")
    FAIL = "fail", _("not met")
    UNKNOWN = "unknown", _("unknown")

    @property
    def passed(self) -> bool:
        return self is Outcome.PASS

    @property
    def failed(self) -> bool:
        return self is Outcome.FAIL

    @property
    def unknown(self) -> bool:
        return self is Outcome.UNKNOWN


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    outcome: Outcome
    reason: str


@dataclass(frozen=True)
class Eligibility:
    reference_date: datetime.date
    criteria: tuple[Criterion, ...]

    @property
    def outcome(self) -> Outcome:
        outcomes = {criterion.outcome for criterion in self.criteria}
        if Outcome.FAIL in outcomes:
            return Outcome.FAIL
        if Outcome.UNKNOWN in outcomes:
            return Outcome.UNKNOWN
        return Outcome.PASS


def check_eligibility(
    organisation, scheme_year, on=None, purpose_confirmed=None, previous_applications=None
) -> Eligibility:
    """Check ``organisation`` against ``scheme_year``'s rules on the date ``on``.

    ``on`` is the call's deadline when there is one; it defaults to the first day of the year.
    ``purpose_confirmed`` is the caseworker's judgement of the purpose, when made.
    ``previous_applications`` replaces the organisation's recorded ones (an organisation not
    saved yet, such as one asked to be registered, has none).
    """
    on = on or scheme_year.starts
    if previous_applications is None:
        previous_applications = organisation.previous_applications.all()
    return Eligibility(
        reference_date=on,
        criteria=(
            _registered(organisation, on),
            _young_enough(organisation, scheme_year, on),
            _applied_before(list(previous_applications), scheme_year, on),
            _purpose(organisation, purpose_confirmed),
        ),
    )


def _registered(organisation, on) -> Criterion:
    label = _("Registered in Frivillighetsregisteret")
    since = organisation.voluntary_register_since
    if organisation.in_voluntary_register is None:
        return Criterion(
            "registered",
            label,
            Outcome.UNKNOWN,
            _("Not recorded. Look the organisation up in the Brønnøysund registers."),
        )
    if not organisation.in_voluntary_register:
        return Criterion("registered", label, Outcome.FAIL, _("Not registered."))
    if since and since > on:
        return Criterion(
            "registered",
            label,
            Outcome.FAIL,
            _("Registered on %(since)s, after %(on)s.")
            % {"since": format_day(since), "on": format_day(on)},
        )
    reason = (
        _("Registered since %(since)s.") % {"since": format_day(since)}
        if since
        else _("Registered.")
    )
    return Criterion("registered", label, Outcome.PASS, reason)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _young_enough(organisation, scheme_year, on) -> Criterion:
    years = scheme_year.max_organisation_age_years
    label = _("Founded less than %(years)d years ago") % {"years": years}
    founded = organisation.founded
    if founded is None:
        return Criterion("age", label, Outcome.UNKNOWN, _("The founding date is not recorded."))
    limit = _years_before(on, years)
    params = {"founded": format_day(founded), "limit": format_day(limit)}
    if founded > limit:
        return Criterion(
            "age",
            label,
            Outcome.PASS,
            _("Founded %(founded)s: within the limit (after %(limit)s).") % params,
        )
    return Criterion(
        "age",
        label,
        Outcome.FAIL,
        _("Founded %(founded)s: too early (on or before %(limit)s).") % params,
    )


def _applied_before(applications, scheme_year, on) -> Criterion:
    window = scheme_year.previous_application_window(on)
    label = _("Applied to IMDi or a municipality in %(first)d–%(last)d") % {
        "first": window[0],
        "last": window[-1],
    }
    qualifying = [
        application
        for application in applications
        if application.year in window
        and application.grantor in (Grantor.IMDI, Grantor.MUNICIPALITY)
    ]
    if qualifying:
        first = qualifying[0]
        return Criterion(
            "applied",
            label,
            Outcome.PASS,
            _("Applied to %(grantor)s in %(year)d.")
            % {"grantor": first.grantor_name or first.get_grantor_display(), "year": first.year},
        )
    if not applications:
        return Criterion(
            "applied",
            label,
            Outcome.UNKNOWN,
            _("No earlier grant applications are recorded on the profile."),
        )
    return Criterion(
        "applied",
        label,
        Outcome.FAIL,
        _("None of the recorded applications was to IMDi or a municipality in these years."),
    )


def _purpose(organisation, purpose_confirmed) -> Criterion:
    label = _("Works for immigrants and their children to take part in work and society")
    if purpose_confirmed is True:
        return Criterion("purpose", label, Outcome.PASS, _("Confirmed by the caseworker."))
    if purpose_confirmed is False:
        return Criterion("purpose", label, Outcome.FAIL, _("Not met, judged by the caseworker."))
    if not organisation.description.strip():
        return Criterion(
            "purpose", label, Outcome.UNKNOWN, _("The profile has no description of the purpose.")
        )
    return Criterion(
        "purpose",
        label,
        Outcome.UNKNOWN,
        _("The caseworker judges this from the description and activities."),
    )
