"""The figures the reports share, each defined once: the annual grant report, the evaluation
summary and the organisation report count them here, so they cannot contradict each other.

Every report covers a ``Period`` (its first and last day) read ``as of`` a date. What happens
on a calendar day (meetings, events and attendance, flags, pairings running, their health)
counts from the first day to the end of the period, or to the as-of date when that is earlier.
What follows the period's grants (payments, grant reports and their accounts) counts as it
stood on the as-of date, which may lie after the period's end (the reports are due after it).

``DEFINITIONS`` writes each rule in words: the PDFs print it under "About the figures" and the
README lists it.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import ReportStatus
from mentoring.models import FlagStatus, PairingStatus
from mentoring.progress import HEALTH_ORDER, Health, health_as_of, scheme_minimum

# Reports whose accounts count: sent, or approved. A draft's lines may still change, and a
# returned report waits to be sent again.
SENT = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


class ReportState(models.TextChoices):
    ON_TIME = "on_time", _("on time")
    LATE = "late", _("late")
    RETURNED = "returned", _("returned for changes")
    MISSING = "missing", _("missing")
    NOT_DUE = "not_due", _("not due yet")


DEFINITIONS = [
    (
        _("Period and as-of date"),
        _(
            "Events, meetings, flags and pairings count from the first day of the period to its "
            "last day, or to the as-of date when that is earlier. Payments and grant reports for "
            "the period's grants count as they stood on the as-of date."
        ),
    ),
    (
        _("Grants"),
        _(
            "Awards for the grant years in the period, decided by the as-of date; paid out: the "
            "payments made by the as-of date."
        ),
    ),
    (
        _("Grant reports"),
        _(
            "On time: sent by the due date; late: sent after it; returned: sent, then returned "
            "for changes and not sent again; missing: not sent and past the due date; not due "
            "yet: not sent and the due date has not passed. A report sent after the as-of date "
            "counts as not sent. Spending and people reached come from the reports sent or "
            "approved."
        ),
    ),
    (
        _("Mentor pairings"),
        _(
            "Pairings that ran on at least one day of the period: from their start to their end "
            "(a replaced pairing stops the day its replacement starts)."
        ),
    ),
    (
        _("Mentor meetings"),
        _(
            "Meetings logged with a date in the period, in pairings of the scheme; the minimum is "
            "the pairing's agreement's, or the scheme year's."
        ),
    ),
    (
        _("Health"),
        _(
            "How the pairings were doing on the last day counted: behind when they had held "
            "fewer meetings that year than the yearly minimum pro-rated to the day; at risk when "
            "a flag or a poor fit was open, or they were behind and had not met for 60 days; on "
            "track otherwise. Pairings not running that day have no health."
        ),
    ),
    (
        _("Postponed and cancelled meetings"),
        _(
            "Planned meetings recorded as postponed or cancelled, by the date they were planned "
            "for, in the period; with the side that postponed or cancelled them. They are not "
            "meetings: only meetings held count toward the minimum, the health and the meeting "
            "figures. A postponed meeting that was held later counts as a meeting on that day."
        ),
    ),
    (
        _("Initiative"),
        _(
            "Who took the initiative to each meeting held in the period: the participant side, "
            "the mentor side, or both (or agreed in advance), as recorded when the meeting was "
            "logged. Shares are of the meetings with a recorded initiative; meetings logged "
            "before the question was asked are counted as not recorded."
        ),
    ),
    (
        _("Clarity of expectations"),
        _(
            'The average answer from 1 to 5 to "How clear were the expectations between you?" '
            "in the half-way and end check-ins answered in the period, by check-in and side; "
            "answers that skipped the question are left out. A group of fewer answers than the "
            'scheme\'s smallest group is shown as "fewer than", without its average.'
        ),
    ),
    (
        _("Health at the end of each year"),
        _(
            "The health rule applied on 31 December of each year, or on the period's last "
            "counted day when that is earlier, to the pairings that ran in the year; except that "
            "a pairing that started during the year is expected to have held the yearly minimum "
            "pro-rated by the time it was active: minimum x days from its start to that day / "
            "days in the year, rounded down (6 a year and a start on 1 October: 1 meeting by "
            "31 December). A pairing that ran all year is expected to have held the minimum "
            "pro-rated to the day, as on the pages."
        ),
    ),
    (
        _("Flags (problem reports)"),
        _("Flags raised in the period; followed up: resolved by the as-of date."),
    ),
    (
        _("Events and attendance"),
        _(
            "Courses, gatherings and joint meetings not cancelled that started in the period; "
            "attendance: the registrations marked as attended at them."
        ),
    ),
]


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class Period:
    """The first and last day a report covers, and the date its data is read as of."""

    start: datetime.date
    end: datetime.date
    as_of: datetime.date

    @classmethod
    def of(cls, start, end, as_of=None) -> "Period":
        """As of ``as_of``, by default the period's end, never after today."""
        return cls(start, end, as_of or min(end, timezone.localdate()))

    @classmethod
    def year(cls, year: int, as_of=None) -> "Period":
        return cls.of(datetime.date(year, 1, 1), datetime.date(year, 12, 31), as_of)

    @classmethod
    def years(cls, first: int, last: int, as_of=None) -> "Period":
        return cls.of(datetime.date(first, 1, 1), datetime.date(last, 12, 31), as_of)

    @property
    def last_day(self) -> datetime.date:
        """The last day whose events count: the period's end, or the as-of date if earlier."""
        return min(self.end, self.as_of)

    @property
    def calendar_years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))

    def part_in(self, year: int) -> "Period":
        """The part of the period that lies in ``year``."""
        return Period(
            max(self.start, datetime.date(year, 1, 1)),
            min(self.end, datetime.date(year, 12, 31)),
            self.as_of,
        )

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The first moment of the period and the first after its last counted day."""
        return _start_of(self.start), _start_of(self.last_day + datetime.timedelta(days=1))

    def by_as_of(self) -> datetime.datetime:
        """The first moment after the as-of date."""
        return _start_of(self.as_of + datetime.timedelta(days=1))


# --- grants --------------------------------------------------------------------------------------


def awards(queryset, period: Period, path: str = ""):
    """Awards for the grant years in the period, decided by the as-of date."""
    return queryset.filter(
        **{
            f"{path}application__round__scheme_year__year__in": period.calendar_years,
            f"{path}decision__decided_at__lt": period.by_as_of(),
        }
    )


def payments(queryset, period: Period):
    """Disbursements made by the as-of date."""
    return queryset.filter(paid_on__lte=period.as_of)


def sent_reports(queryset, period: Period, path: str = ""):
    """Grant reports sent or approved, sent by the as-of date: their accounts count."""
    return queryset.filter(
        **{f"{path}status__in": SENT, f"{path}submitted_at__lt": period.by_as_of()}
    )


def report_state(report, period: Period) -> ReportState:
    """The state of a grant report (None: no report yet) on the period's as-of date."""
    sent_on = (
        timezone.localtime(report.submitted_at).date() if report and report.submitted_at else None
    )
    if report is None or sent_on is None or sent_on > period.as_of:
        due = report is not None and period.as_of > report.due_on
        return ReportState.MISSING if due else ReportState.NOT_DUE
    if report.status == ReportStatus.RETURNED:
        return ReportState.RETURNED
    if report.status not in SENT:  # sent once, now a draft again
        return ReportState.MISSING if period.as_of > report.due_on else ReportState.NOT_DUE
    return ReportState.ON_TIME if sent_on <= report.due_on else ReportState.LATE


# --- mentoring -----------------------------------------------------------------------------------


def running_pairings(queryset, period: Period, path: str = ""):
    """Pairings that ran on at least one day of the period."""
    ended = Q(**{f"{path}ends_on__gte": period.start}) & ~Q(
        **{f"{path}status": PairingStatus.REPLACED, f"{path}ends_on": period.start}
    )
    return queryset.filter(
        Q(**{f"{path}starts_on__lte": period.last_day}),
        Q(**{f"{path}ends_on__isnull": True}) | ended,
    )


def meetings(queryset, period: Period, path: str = ""):
    """Meetings held in the period (to its last counted day)."""
    return queryset.filter(**{f"{path}held_on__range": (period.start, period.last_day)})


def with_minimum(pairings, year: int):
    """``pairings`` annotated with ``least``, their minimum meetings in ``year``: the
    agreement's, or the scheme's rule for the year (``mentoring.progress.scheme_minimum``)."""
    return pairings.annotate(
        least=Coalesce("agreement__min_meetings", scheme_minimum(OuterRef("scheme_id"), year))
    )


def called_off_meetings(queryset, period: Period, path: str = ""):
    """Planned meetings postponed or cancelled, planned for a day in the period (to its last
    counted day). Never meetings: ``meetings`` does not count them."""
    return queryset.filter(**{f"{path}planned_on__range": (period.start, period.last_day)})


def answered_check_ins(queryset, period: Period, path: str = ""):
    """Check-ins answered in the period (to its last counted day)."""
    first, after = period.moments()
    return queryset.filter(**{f"{path}answered_at__gte": first, f"{path}answered_at__lt": after})


def year_end(period: Period, year: int) -> datetime.date | None:
    """The day a year's end-of-year figures are read: 31 December, or the period's last
    counted day when earlier; None when the period counts no day of the year."""
    part = period.part_in(year)
    return part.last_day if part.start <= part.last_day else None


def year_end_health(pairings, day: datetime.date) -> dict:
    """How many of ``pairings`` were at risk, behind, on track or not running at the end of a
    year (on ``day``, its ``year_end``): the pages' rule, with the minimum of a pairing that
    started in the year pro-rated from its start (``mentoring.progress.prorated_elapsed``). One
    query for the late starters, one for the counts."""
    return _health_counts(pairings, day, prorate=True)


def flags(queryset, period: Period, path: str = ""):
    """Flags raised in the period."""
    first, after = period.moments()
    return queryset.filter(**{f"{path}raised_at__gte": first, f"{path}raised_at__lt": after})


def resolved_flags(queryset, period: Period):
    """Of ``queryset``'s flags, those resolved by the as-of date."""
    return queryset.filter(status=FlagStatus.RESOLVED, handled_at__lt=period.by_as_of())


def _health_counts(pairings, day: datetime.date, prorate: bool = False) -> dict:
    counts = dict.fromkeys(Health.values, 0)
    rows = health_as_of(pairings, day, prorate).order_by().values_list("health_rank")
    for rank, n in rows.annotate(n=Count("pk")):
        counts[HEALTH_ORDER[rank].value] += n
    return counts


def health(pairings, period: Period) -> dict:
    """How many of ``pairings`` were at risk, behind, on track or not running on the period's
    last counted day: the pages' rule (``mentoring.progress``) over the meetings, flags and
    "poor fit" answers as they stood that day. One query."""
    return _health_counts(pairings, period.last_day)


# --- courses -------------------------------------------------------------------------------------


def held_events(queryset, period: Period, path: str = ""):
    """Events not cancelled that started in the period (and have started by now)."""
    first, after = period.moments()
    return queryset.filter(
        **{
            f"{path}cancelled_at__isnull": True,
            f"{path}starts_at__gte": first,
            f"{path}starts_at__lt": after,
            f"{path}starts_at__lte": timezone.now(),
        }
    )
