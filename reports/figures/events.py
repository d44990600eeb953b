"""The scheme's events in full, for the evaluation summary: each course, gathering and joint
meeting with who gave it, digital or physical and where, the weekday and time, the month it
was planned for and the date it was first planned for when it was postponed, whether it was
held or cancelled, how many organisations came and how many brought two people, and its
practical tasks with how many organisations handed in; then the plan against what was held,
year by year.

Definitions ("Events in full", "Plan against held events") in
``reports.figures.definitions``; the held events are ``definitions.held_events``, so the
numbers held and attended agree with the summary's years and with the annual report.

Anonymised for the evaluators: a title or place passes the portal's ``Scrubber``; no
participant or person is named. The one who gave the event is named when it is a public body
(the administering body) or a provider outside the portal (``Scrubber.for_providers`` blanks a
participant's, mentor's or person's name in it); a participant or mentor organisation that gave
it is given by its kind only.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from courses.anonymise import Scrubber
from courses.models import (
    PARTICIPATING_KINDS,
    Event,
    HandIn,
    PlannedItem,
    PracticalTask,
    Registration,
)
from reports.figures import definitions as define
from reports.figures.definitions import Period


@dataclass
class EventLine:
    """One event as the summary lists it (definition "Events in full")."""

    year: int
    kind: str
    title: str
    provider: str
    is_digital: bool
    venue: str
    starts_at: datetime.datetime  # local time: the start as held, or as now planned
    planned_month: str  # the planned item's month, "" outside the plan
    first_planned: datetime.date | None  # the day first planned, when it was postponed
    held: bool
    cancelled: bool
    organisations_came: int | None = None  # None: not held (nobody could come yet)
    brought_two: int | None = None
    tasks: int = 0
    organisations_tasked: int = 0
    handed_in: int = 0

    @property
    def postponed(self) -> bool:
        return self.first_planned is not None


@dataclass
class PlanYear:
    """One scheme year's plan against what was held (definition "Plan against held events")."""

    year: int
    planned: int = 0  # items in the year's annual plan
    planned_held: int = 0  # of them, fulfilled by an event held
    held: int = 0  # events held, as the summary's years count them
    outside_plan: int = 0  # of them, not fulfilling a planned item
    postponed: int = 0  # events of the year postponed (held or still coming)
    cancelled: int = 0  # events of the year cancelled
    attended: int = 0  # people marked as attended at the held events


@dataclass
class EventFigures:
    events: list = field(default_factory=list)  # EventLine, by start
    years: list = field(default_factory=list)  # PlanYear per calendar year of the period

    @property
    def held(self) -> int:
        return sum(row.held for row in self.years)

    @property
    def postponed(self) -> int:
        return sum(row.postponed for row in self.years)


def listed_events(scheme, period: Period):
    """The scheme's events of the period's years that start (as held, or as now planned) in
    the period, cancelled ones included."""
    first, after_the_end = Period(period.start, period.end, period.end).moments()
    return Event.objects.filter(
        scheme_year__scheme=scheme,
        scheme_year__year__in=period.calendar_years,
        starts_at__gte=first,
        starts_at__lt=after_the_end,
    )


def provider_shown(event, scrub_provider) -> str:
    """Who gave the event, as an anonymised summary may say it; ``scrub_provider`` is
    ``Scrubber.for_providers``."""
    if event.provider is None:
        return scrub_provider(event.provider_name)
    if event.provider.kind in PARTICIPATING_KINDS:
        return event.provider.get_kind_display()
    return event.provider.name


def venue_shown(event, scrub) -> str:
    if event.is_digital:
        return _("digital")
    if event.at_administrator:
        return _("the administering body's premises")
    return scrub(event.place) or "–"


def _per_event(pairs) -> dict:
    """event id -> {organisation id: how many rows} from (event id, organisation id) pairs."""
    found = defaultdict(Counter)
    for event_id, organisation_id in pairs:
        found[event_id][organisation_id] += 1
    return found


def event_lines(scheme, period: Period, scrub) -> list[EventLine]:
    """Every listed event with its attendance and tasks, in a few queries (none per event)."""
    events = list(
        listed_events(scheme, period)
        .select_related("provider", "planned_item", "scheme_year")
        .order_by("starts_at", "id")
    )
    held = set(
        define.held_events(listed_events(scheme, period), period).values_list("pk", flat=True)
    )
    attended = _per_event(
        Registration.objects.filter(event_id__in=held, attended=True).values_list(
            "event_id", "organisation_id"
        )
    )
    tasked = _per_event(
        PracticalTask.organisations.through.objects.filter(
            practicaltask__event_id__in=held
        ).values_list("practicaltask__event_id", "organisation_id")
    )
    tasks = Counter(
        PracticalTask.objects.filter(event_id__in=held).values_list("event_id", flat=True)
    )
    handed = _per_event(
        HandIn.objects.filter(
            task__event_id__in=held, submitted_at__lt=period.by_as_of()
        ).values_list("task__event_id", "organisation_id")
    )
    scrub_provider = Scrubber.for_providers()
    lines = []
    for event in events:
        came = attended.get(event.pk, Counter())
        was_held = event.pk in held
        lines.append(
            EventLine(
                year=event.scheme_year.year,
                kind=event.get_kind_display(),
                title=scrub(event.title),
                provider=provider_shown(event, scrub_provider),
                is_digital=event.is_digital,
                venue=venue_shown(event, scrub),
                starts_at=timezone.localtime(event.starts_at),
                planned_month=str(MONTHS[event.planned_item.month]) if event.planned_item else "",
                first_planned=(
                    timezone.localtime(event.first_starts_at).date() if event.is_postponed else None
                ),
                held=was_held,
                cancelled=event.cancelled_at is not None,
                organisations_came=len(came) if was_held else None,
                brought_two=sum(1 for n in came.values() if n >= 2) if was_held else None,
                tasks=tasks.get(event.pk, 0),
                organisations_tasked=len(tasked.get(event.pk, ())),
                handed_in=len(handed.get(event.pk, ())),
            )
        )
    return lines


def plan_years(scheme, period: Period) -> list[PlanYear]:
    """Per calendar year of the period: the year's plan against the events held in it."""
    rows = []
    for year in period.calendar_years:
        part = period.part_in(year)
        row = PlanYear(year=year)
        of_year = Event.objects.filter(scheme_year__scheme=scheme, scheme_year__year=year)
        held = define.held_events(of_year, part)
        row.planned = PlannedItem.objects.filter(
            plan__scheme_year__scheme=scheme, plan__scheme_year__year=year
        ).count()
        row.planned_held = (
            PlannedItem.objects.filter(plan__scheme_year__scheme=scheme, events__in=held)
            .distinct()
            .count()
        )
        row.held = held.count()
        row.outside_plan = held.filter(planned_item__isnull=True).count()
        listed = listed_events(scheme, part)  # the part lies in this one year
        row.postponed = listed.filter(
            first_starts_at__isnull=False, cancelled_at__isnull=True
        ).count()
        row.cancelled = listed.filter(cancelled_at__isnull=False).count()
        row.attended = Registration.objects.filter(event__in=held, attended=True).count()
        rows.append(row)
    return rows


def event_figures(scheme, period: Period, scrub) -> EventFigures:
    """The events section of the evaluation summary."""
    return EventFigures(events=event_lines(scheme, period, scrub), years=plan_years(scheme, period))
