"""How a pairing is doing, and who should act next.

The health rule (also in the README):

- *behind*: fewer meetings so far this calendar year than the yearly minimum pro-rated to
  today: minimum x (days of the year before today) / (days in the year), rounded down. With 6 a
  year: none up to 2 March, one from 3 March, five from 2 November (a day earlier in leap
  years); the sixth may still be held on 31 December. The minimum is the agreement's (the
  scheme year's when the pairing started);
- *at risk*: a flag or a "poor fit" answer is open, or the pairing is behind and has had no
  meeting for 60 days (counting from its start when it has never met);
- *on track*: neither. Paused and ended pairings have no health.

Who is due to act next: whoever must confirm a logged meeting (the mentor, or a participant
that took part in it); else the owner of an overdue task; else, when the pair is behind or has
not met for 30 days, the side that did not log the last meeting books the next one (the
mentor, if they have never met).

What the rule reads of the meetings (this year's count and the day of the last one) is kept on
the pairing by the meeting service (``store_meeting_figures``), so that the pages read two
columns instead of counting meetings on every row; the reports, which ask how a pairing stood
on an earlier day, count them (``_meetings_by``).
"""

import calendar
import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db import models
from django.db.models import Case, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mentoring.models import (
    CheckIn,
    Flag,
    FlagStatus,
    Meeting,
    Pairing,
    PairingStatus,
    Task,
)
from scheme.formatting import format_day
from scheme.models import SchemeYear

# Open today: a flag not resolved, a "poor fit" answer not followed up.
OPEN_FLAG = Q(status=FlagStatus.OPEN)
OPEN_POOR_FIT = Q(followed_up_at__isnull=True)

AT_RISK_SILENCE_DAYS = 60
NUDGE_SILENCE_DAYS = 30
DEFAULT_MIN_MEETINGS = 6


class Health(models.TextChoices):
    AT_RISK = "at_risk", _("at risk")
    BEHIND = "behind", _("behind")
    ON_TRACK = "on_track", _("on track")
    NOT_RUNNING = "not_running", _("not running")


# Riskiest first, for the caseworker's overview.
HEALTH_ORDER = [Health.AT_RISK, Health.BEHIND, Health.ON_TRACK, Health.NOT_RUNNING]

HEALTH_BADGE = {
    Health.AT_RISK: "text-bg-danger",
    Health.BEHIND: "text-bg-warning",
    Health.ON_TRACK: "text-bg-success",
    Health.NOT_RUNNING: "text-bg-secondary",
}


@dataclass(frozen=True)
class Progress:
    meetings_this_year: int
    minimum: int
    expected_by_now: int
    days_since_last: int | None
    open_tasks: int
    overdue_tasks: int
    open_flags: int
    poor_fit_open: bool
    health: Health
    # What the next step needs; it is worked out when asked for, since it reads the pairing's
    # members, which lists that only count or sort pairings by health need not load.
    pairing: object = field(repr=False, compare=False)
    behind: bool = field(repr=False, compare=False)
    silent_for: int = field(repr=False, compare=False)

    @cached_property
    def _step(self):
        return _next_step(self.pairing, self.behind, self.silent_for, self.health)

    @property
    def next_to_act(self):
        """The organisation that should act next, or None."""
        return self._step[0]

    @property
    def next_action(self) -> str:
        return self._step[1]

    @property
    def is_running(self) -> bool:
        """Whether meetings are counted (the pairing is active)."""
        return self.health != Health.NOT_RUNNING

    @property
    def badge(self) -> str:
        return HEALTH_BADGE[self.health]

    def sentence(self, for_caseworker: bool = True) -> str:
        """The health and the rule behind it, in plain words. The sides are not told who raised
        a flag or answered "poor fit": the other side may be what is not working."""
        if not self.is_running:
            return gettext("The pairing is not running, so its meetings are not counted.")
        counted = gettext(
            "%(held)d meetings this year; %(expected)d expected by today (at least %(minimum)d "
            "a year, spread over the year)."
        ) % {"held": self.meetings_this_year, "expected": self.expected_by_now,
             "minimum": self.minimum}  # fmt: skip
        return f"{counted} {self._why(for_caseworker)}"

    def _why(self, for_caseworker: bool) -> str:
        if self.health == Health.ON_TRACK:
            return gettext("That is on track.")
        if self.health == Health.BEHIND:
            return gettext("That is behind: fewer meetings than expected by today.")
        if (self.open_flags or self.poor_fit_open) and not for_caseworker:
            return gettext("At risk: the caseworker is following up the pairing.")
        if self.open_flags:
            return gettext("At risk: someone has said the collaboration is not working.")
        if self.poor_fit_open:
            return gettext("At risk: someone has answered that it is not a good fit.")
        return gettext("At risk: behind, and no meeting for %(days)d days or more.") % {
            "days": AT_RISK_SILENCE_DAYS
        }


def _days_in_year(day: datetime.date) -> int:
    return 366 if calendar.isleap(day.year) else 365


def _days_before(day: datetime.date) -> int:
    """The days of ``day``'s year before it (0 on 1 January)."""
    return (day - datetime.date(day.year, 1, 1)).days


def expected_meetings(minimum: int, today: datetime.date) -> int:
    """The yearly minimum pro-rated to ``today`` (the share of the year that has passed)."""
    return minimum * _days_before(today) // _days_in_year(today)


def _count(model, *where, **conditions):
    """The pairing's rows of ``model`` that meet the conditions, counted by a subquery without
    GROUP BY: it always gives one row, 0 when there are none, and costs less to build."""
    rows = model.objects.filter(*where, pairing=OuterRef("pk"), **conditions).order_by()
    return Subquery(
        rows.annotate(n=Func("pk", function="COUNT")).values("n"), output_field=IntegerField()
    )


def _first(model, field, order, **conditions):
    return Subquery(
        model.objects.filter(pairing=OuterRef("pk"), **conditions)
        .order_by(*order)
        .values(field)[:1]
    )


def store_meeting_figures(pairings) -> None:
    """Store on each of ``pairings`` (a queryset) what the health rule reads of its meetings:
    the day of the last one held (``last_meeting_on``) and how many were held in that day's
    year (``meetings_that_year``). Meetings are logged once held, so these are today's last
    meeting and, while that year lasts, this year's meetings (``_meetings_by``). The meeting
    service calls it in its transaction; two statements, however many pairings."""
    pairings.update(last_meeting_on=_first(Meeting, "held_on", ["-held_on", "-id"]))
    that_year = ExtractYear(OuterRef("last_meeting_on"))
    pairings.update(meetings_that_year=_count(Meeting, held_on__year=that_year))


def _meetings_by(day: datetime.date, stored: bool = False) -> tuple:
    """What the health rule counts of a pairing's meetings on ``day`` (the module's
    docstring): (the meetings held in ``day``'s year up to it, the day of the last one held by
    then), as expressions. ``stored``: today's, from the figures kept on the pairing
    (``store_meeting_figures``): no subquery."""
    if stored:
        this_year = Case(
            When(last_meeting_on__year=day.year, then=F("meetings_that_year")),
            default=Value(0),
            output_field=IntegerField(),
        )
        return this_year, F("last_meeting_on")
    return (
        _count(Meeting, held_on__year=day.year, held_on__lte=day),
        _first(Meeting, "held_on", ["-held_on", "-id"], held_on__lte=day),
    )


def scheme_minimum(scheme, year: int):
    """The minimum meetings a year of the scheme at ``scheme`` (an OuterRef) asks for, as an
    expression: its rules for ``year``, or its latest year before, or its first year."""
    years = SchemeYear.objects.filter(scheme=scheme).values("min_mentor_meetings")
    return Coalesce(
        Subquery(years.filter(year__lte=year).order_by("-year")[:1]),
        Subquery(years.order_by("year")[:1]),
        Value(DEFAULT_MIN_MEETINGS),
    )


def scheme_last_year(scheme):
    """The last year of the scheme at ``scheme`` (an OuterRef), as an expression."""
    return Subquery(SchemeYear.objects.filter(scheme=scheme).order_by("-year").values("year")[:1])


def _alarmed(flag_open: Q, poor_fit_open: Q) -> Q:
    """Pairings with an open flag or "poor fit" answer (``flag_open`` and ``poor_fit_open`` say
    which are open). A hashed ``IN`` over each table: read once per query, not once per row as
    the counts would be when a list sorts by health."""
    flags = Flag.objects.filter(flag_open).values("pairing_id")
    poor_fits = CheckIn.objects.filter(poor_fit_open, good_fit=False).values("pairing_id")
    return Q(pk__in=flags) | Q(pk__in=poor_fits)


def _health_rank(
    today: datetime.date,
    alarmed: Q,
    running: Q | None = None,
    elapsed=None,
    last_met: str = "last_meeting_on",
):
    """The health rule (the module's docstring) as an expression over the annotations of
    ``with_progress_data`` (or ``health_as_of``): the health's place in HEALTH_ORDER (riskiest
    first), so that lists count, filter and sort by it in the database. ``alarmed``: the
    pairings with an open flag or "poor fit" answer (``_alarmed``). ``last_met``: the field
    or annotation with the day of the last meeting (``_meetings_by``). ``running``: which
    pairings have a health at all (by default the active ones: today's). ``elapsed``: the days
    of the year counted for the minimum, per pairing (by default the days of the year before
    ``today``; ``prorated_elapsed`` counts them from the start of a pairing that began in the
    year). Each condition is written once in the CASE, so that the database works out each
    once per row."""
    running = Q(status=PairingStatus.ACTIVE) if running is None else running
    minimum = Coalesce(F("agreement__min_meetings"), F("scheme_minimum"))
    if elapsed is None:
        elapsed = Value(_days_before(today))
    # Integer division, as expected_meetings: the pro-rated minimum rounded down.
    behind = Q(meetings_this_year__lt=minimum * elapsed / Value(_days_in_year(today)))
    # Silent: no meeting (since the start, when it has never met) for the days the rule says.
    silent = LessThanOrEqual(
        Coalesce(last_met, "starts_on"),
        today - datetime.timedelta(days=AT_RISK_SILENCE_DAYS),
    )
    rank = {health: Value(HEALTH_ORDER.index(health)) for health in HEALTH_ORDER}
    behind_rank = Case(When(silent, then=rank[Health.AT_RISK]), default=rank[Health.BEHIND])
    return Case(
        When(~running, then=rank[Health.NOT_RUNNING]),
        When(alarmed, then=rank[Health.AT_RISK]),
        When(behind, then=behind_rank),
        default=rank[Health.ON_TRACK],
        output_field=IntegerField(),
    )


def running_on(day: datetime.date) -> Q:
    """Pairings running on ``day`` by their dates: started, not ended (a replaced pairing stops
    the day its replacement starts), and not paused now (a pause has no date)."""
    ended = Q(status=PairingStatus.REPLACED, ends_on__lte=day) | Q(ends_on__lt=day)
    return Q(starts_on__lte=day) & ~Q(status=PairingStatus.PAUSED) & ~ended


def prorated_elapsed(pairings, day: datetime.date):
    """The days of ``day``'s year counted for each of ``pairings``' minimum: those before
    ``day``, from 1 January, or from its start for a pairing that started later in the year
    (so its yearly minimum is pro-rated by the part of the year it has been active). One query
    for the pairings that started in the year; an expression for ``_health_rank``."""
    first = datetime.date(day.year, 1, 1)
    started_late = defaultdict(list)  # days since the start -> pairing ids
    for pk, starts_on in (
        pairings.filter(starts_on__gt=first, starts_on__lte=day)
        .order_by()
        .values_list("pk", "starts_on")
    ):
        started_late[(day - starts_on).days].append(pk)
    whole_year = Value(_days_before(day))
    if not started_late:
        return whole_year
    return Case(
        *(When(pk__in=pks, then=Value(days)) for days, pks in sorted(started_late.items())),
        default=whole_year,
        output_field=IntegerField(),
    )


def health_as_of(pairings, day: datetime.date, prorate: bool = False):
    """``pairings`` annotated with ``health_rank`` as they stood on ``day`` (reports read a
    period's last day): the meetings held by then, the flags and "poor fit" answers raised by
    then and still open that day, and running by the pairing's dates. The rule is the pages'
    (``_health_rank``); with ``prorate`` the minimum of a pairing that started in ``day``'s
    year counts from its start (``prorated_elapsed``)."""
    elapsed = prorated_elapsed(pairings, day) if prorate else None
    after = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
    flag_open = Q(raised_at__lte=after) & (Q(status=FlagStatus.OPEN) | Q(handled_at__gt=after))
    poor_fit_open = Q(answered_at__lte=after) & (
        Q(followed_up_at__isnull=True) | Q(followed_up_at__gt=after)
    )
    alarmed = _alarmed(flag_open, poor_fit_open)
    this_year, last_met = _meetings_by(day)
    return (
        pairings.select_related("agreement")
        .annotate(
            scheme_minimum=scheme_minimum(OuterRef("scheme_id"), day.year),
            meetings_this_year=this_year,
            last_met_on=last_met,
        )
        .annotate(
            health_rank=_health_rank(
                day, alarmed, running=running_on(day), elapsed=elapsed, last_met="last_met_on"
            )
        )
    )


def health_filter(health) -> Q:
    """Pairings (annotated by ``with_progress_data``) of this health."""
    return Q(health_rank=HEALTH_ORDER.index(Health(health)))


# Riskiest first: at risk, behind, on track, not running; then the longest silence (never
# met first), then the mentor's name. Over ``with_progress_data``'s annotations.
RISKIEST_FIRST = (
    "health_rank",
    F("last_meeting_on").asc(nulls_first=True),
    "mentor__name",
    "pk",
)


def with_health(pairings, today: datetime.date, **annotations):
    """Annotate a pairing queryset with ``health_rank`` (today's health, ``_health_rank``)
    and the counts it reads, and no more: what pages that only count pairings by health need.
    ``annotations`` are added before the health (``with_progress_data``'s)."""
    this_year, _last_met = _meetings_by(today, stored=True)
    return (
        pairings.select_related("agreement")
        .annotate(
            scheme_minimum=scheme_minimum(OuterRef("scheme_id"), today.year),
            meetings_this_year=this_year,
            open_flags=_count(Flag, OPEN_FLAG),
            open_poor_fits=_count(CheckIn, OPEN_POOR_FIT, good_fit=False),
            **annotations,
        )
        .annotate(health_rank=_health_rank(today, _alarmed(OPEN_FLAG, OPEN_POOR_FIT)))
    )


def with_progress_data(pairings, today: datetime.date):
    """Annotate a pairing queryset with what ``progress`` needs: one query, no joins that
    multiply rows, however many meetings and tasks there are. ``scheme_minimum`` is this
    year's minimum of the pairing's scheme, ``scheme_last_year`` when its check-ins end."""
    return with_health(
        pairings.select_related("mentor", "scheme"),
        today,
        scheme_last_year=scheme_last_year(OuterRef("scheme_id")),
        last_logged_for_id=_first(Meeting, "logged_for_id", ["-held_on", "-id"]),
        unconfirmed_logged_for_id=_first(
            Meeting, "logged_for_id", ["held_on", "id"], confirmed_at__isnull=True
        ),
        unconfirmed_held_on=_first(
            Meeting, "held_on", ["held_on", "id"], confirmed_at__isnull=True
        ),
        # A participant that took part in that meeting (it confirms what the mentor logged).
        unconfirmed_participant_id=_first(
            Meeting, "participants", ["held_on", "id", "participants__name"],
            confirmed_at__isnull=True,
        ),
        open_tasks=_count(Task, done_at__isnull=True),
        overdue_tasks=_count(Task, done_at__isnull=True, due_on__lt=today),
        overdue_owner_id=_first(Task, "owner_id", ["due_on", "id"], done_at__isnull=True,
                                due_on__lt=today),
    )  # fmt: skip


@functools.lru_cache(maxsize=1)
def progress_pairings(today: datetime.date):
    """Every pairing with ``with_progress_data``'s annotations for ``today``, built once a day
    per process: they are the same for every user and page, and building them costs more
    than the rest of a page's query. Pages filter it (and annotate it further); it is never
    evaluated itself."""
    return with_progress_data(Pairing.objects.all(), today)


def progress(pairing, today: datetime.date, minimum: int | None = None) -> Progress:
    """The pairing's progress from the annotations of ``with_progress_data``.

    ``minimum`` is the scheme year's (by default its ``scheme_minimum`` annotation); the
    pairing's agreement, when there is one, wins.
    """
    agreement = getattr(pairing, "agreement", None)
    if agreement is not None:
        minimum = agreement.min_meetings
    elif minimum is None:
        minimum = pairing.scheme_minimum
    expected = expected_meetings(minimum, today)
    last = pairing.last_meeting_on
    days_since_last = (today - last).days if last else None
    silent_for = days_since_last if last else (today - pairing.starts_on).days
    behind = pairing.meetings_this_year < expected
    poor_fit = pairing.open_poor_fits > 0
    health = HEALTH_ORDER[pairing.health_rank]  # the rule: _health_rank, in the database
    return Progress(
        meetings_this_year=pairing.meetings_this_year,
        minimum=minimum,
        expected_by_now=expected,
        days_since_last=days_since_last,
        open_tasks=pairing.open_tasks,
        overdue_tasks=pairing.overdue_tasks,
        open_flags=pairing.open_flags,
        poor_fit_open=poor_fit,
        health=health,
        pairing=pairing,
        behind=behind,
        silent_for=silent_for,
    )


def _organisations(pairing) -> dict:
    """Every organisation in the pairing by id (the mentor and the participants)."""
    found = {pairing.mentor_id: pairing.mentor}
    found.update({m.organisation_id: m.organisation for m in pairing.members.all()})
    return found


def _next_step(pairing, behind, silent_for, health):
    if health == Health.NOT_RUNNING:
        return None, ""
    organisations = _organisations(pairing)
    if pairing.unconfirmed_logged_for_id:
        # The oldest meeting not confirmed yet, which need not be the last one held.
        action = _("confirm the meeting of %(date)s") % {
            "date": format_day(pairing.unconfirmed_held_on)
        }
        if pairing.unconfirmed_logged_for_id != pairing.mentor_id:
            return pairing.mentor, action
        return organisations.get(pairing.unconfirmed_participant_id), action
    if pairing.overdue_owner_id:
        return organisations.get(pairing.overdue_owner_id), _("finish an overdue task")
    if behind or silent_for >= NUDGE_SILENCE_DAYS:
        if pairing.last_logged_for_id is None or pairing.last_logged_for_id != pairing.mentor_id:
            return pairing.mentor, _("book the next meeting")
        participants = [o for pk, o in organisations.items() if pk != pairing.mentor_id]
        return participants[0], _("book the next meeting")
    return None, _("nothing is due")
