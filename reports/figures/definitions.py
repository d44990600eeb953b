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
    # Events in full (issue 14): reports.figures.events.
    (
        _("Events in full"),
        _(
            "Every course, gathering and joint meeting of the scheme's years that starts in the "
            "period (as held, or as now planned), cancelled ones included, one line each: a "
            "postponed event keeps its line and shows the day it was first planned for, and the "
            'month of the planned item it fulfils. Held as in "Events and attendance". '
            "Organisations that came: with at least one person marked as attended; brought two: "
            "with two or more. Practical tasks given at the event, the organisations given them, "
            "and those that handed in by the as-of date. The provider is named when it is the "
            "administering body or outside the portal; a participant or mentor organisation is "
            "given by its kind."
        ),
    ),
    (
        _("Plan against held events"),
        _(
            "For each year: the items in the year's annual plan, those fulfilled by at least one "
            'event held, the events held (as "Events and attendance", so the same number as '
            "elsewhere), those of them outside the plan, and the year's events postponed (and not "
            "cancelled) or cancelled."
        ),
    ),
    # Money (issue 14): reports.figures.money, one function each.
    (
        _("Spending by category"),
        _(
            "The expense lines of the accounts in the grant reports sent or approved by the "
            "as-of date, for the grants of the period, added up per organisation and budget "
            'category. "Salary and fees" includes fees to volunteers and speakers. The '
            'organisations are named by anonymous codes ("Organisation A"), the same in every '
            "table of the summary."
        ),
    ),
    (
        _("Amounts against the audit threshold"),
        _(
            "The amounts asked for in the applications sent by the as-of date for the grant "
            "years of the period, and the amounts of the grants, each set against the audit "
            "threshold of its year (above it the accounts must be certified by an auditor). A "
            "range runs from above its lower bound up to and including its upper bound, so an "
            "amount equal to the threshold is under it. Just under: more than 90 per cent of "
            "the threshold, up to it. A range with fewer applications than the smallest group "
            'reads "fewer than" and is not drawn.'
        ),
    ),
    (
        _("Applicants and selection"),
        _(
            "Invited: organisations invited to a closed call for a grant year of the period; "
            "applied: organisations that sent an application for one of those years by the "
            "as-of date; awarded: of these, those awarded a grant (as under Grants). Each "
            "organisation counts once, by the county on its profile, each target group named in "
            "its applications (so the groups add up to more than the whole) and its type: "
            "member-based or not, as on its profile. A count of fewer organisations than the "
            'smallest group reads "fewer than", and its share is left out.'
        ),
    ),
    (
        _("Cost per organisation"),
        _(
            "For each year: the grants awarded for it (as under Grants), the mentor "
            "compensation agreed for it, the cost of its events held (as under Events and "
            "attendance) and the administering body's staff cost when it is recorded for the "
            "year; divided by the organisations awarded a grant for the year. For the whole "
            "period the same amounts added up, divided by the organisations awarded a grant for "
            "any of its years, each counted once. For a year that is over, without staff cost, "
            "it is the annual report's cost per organisation."
        ),
    ),
    (
        _("Year by year and the whole period"),
        _(
            "Each year counts the part of the period in that calendar year. The whole period: "
            "counts of what happened (amounts, reports, meetings, events, flags, new "
            "collaborations) are the years added up; organisations and pairings that took part "
            "in several years are counted once; ratios (people per report, meetings per pairing "
            "and year) are worked out from the years added up, not averaged over the years; the "
            "health at the year's end is the last year's; the pairings that held the year's "
            "minimum are a yearly figure with no total."
        ),
    ),
    # Networks (issue 14): reports.figures.network.
    (
        _("Ties"),
        _(
            "A tie is a collaboration between a participant and another party that a participant "
            "recorded as active or ended (a planned one is not a tie yet), counted once in the "
            "year it started (its start date, or the year it was recorded when it has none): "
            "when two participants both record their collaboration it is one tie, in the earlier "
            "year. The other party is the same party whoever recorded it: an organisation chosen "
            "from the register, a municipality by its number, a county authority by its county, "
            "anyone else by kind and name. Ties started after the period's last day are left "
            'out. Unlike "Collaborations recorded", which counts every row on the profiles, '
            "planned ones included. In the picture participants are named by their codes and "
            'every other party by its kind and a number ("Municipality 2"), never by a name.'
        ),
    ),
    # Outcomes after the scheme (issue 14): reports.figures.outcomes.
    (
        _("Grants from others after the scheme"),
        _(
            "The grants the participants applied for from other schemes and bodies (IMDi's "
            "other schemes included) for a year after the period's last year, up to the as-of "
            "date's year, as they recorded them on their profiles or in the follow-up they are "
            "asked for a year after their last grant in the scheme; granted: those recorded as "
            "granted, with their amounts. The "
            "scheme's own grants are its awards and never among them; a row naming the scheme "
            "is left out. A follow-up is answered when the organisation or a caseworker for it "
            "has saved it, with or without grants."
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
