"""The figures of the organisation report: one participant organisation's whole record in the
portal's schemes, gathered from the database.

The organisation's own people may order it, so it holds what they may see: its applications,
decisions, awards, money and reports; its mentor pairings with the number of meetings and its
own check-in answers and flags (never the meeting notes, nor what the other side answered);
the events it registered for; its collaborations and grant applications elsewhere.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Registration
from grants.models import (
    Application,
    ApplicationStatus,
    Clawback,
    ClawbackStatus,
    Decision,
    LineKind,
)
from mentoring.models import CheckIn, Flag, Meeting, Pairing
from reports.figures import definitions as define
from reports.figures.definitions import Period, ReportState
from scheme.models import SchemeYear

ZERO = Decimal("0")


@dataclass
class DecisionRow:
    kind: str
    decided_on: object
    reasons: str
    appeal_deadline: object
    appeals: list  # (lodged on, status label)


@dataclass
class ApplicationRow:
    scheme: str
    year: int
    call: str
    status: str
    amount: Decimal | None
    submitted_on: object
    decisions: list = field(default_factory=list)


@dataclass
class ReportRow:
    due_on: object
    status: str
    state: ReportState
    submitted_on: object
    people_reached: int | None
    activities_held: str
    income: Decimal
    expenses: Decimal
    by_category: list  # (category label, income, expense)
    audit_required: bool
    auditor: str
    audited: bool
    sent: bool  # sent or approved: its accounts count

    @property
    def is_missing(self) -> bool:
        return self.state == ReportState.MISSING


@dataclass
class ClawbackRow:
    decided_on: object
    amount: Decimal
    due_on: object
    status: str
    repaid: Decimal
    cancelled: bool  # after an appeal


@dataclass
class AwardRow:
    scheme: str
    year: int
    amount: Decimal
    decided_on: object
    accepted_on: object
    payments: list  # (paid on, amount)
    report: ReportRow | None
    clawbacks: list

    @property
    def disbursed(self) -> Decimal:
        return sum((amount for _day, amount in self.payments), ZERO)

    @property
    def unspent(self) -> Decimal | None:
        if self.report is None or not self.report.sent:
            return None
        return max(self.disbursed - self.report.expenses, ZERO)


@dataclass
class PairingRow:
    scheme: str
    mentor: str
    starts_on: object
    ends_on: object
    status: str
    group_size: int
    meetings_by_year: list  # (year, meetings)
    check_ins: list  # this organisation's own answers: (kind, good fit, u, c, p, answered on)
    flags: list  # this organisation's own flags: (raised on, status)

    @property
    def meetings(self) -> int:
        return sum(n for _year, n in self.meetings_by_year)


@dataclass
class EventRow:
    starts_on: object
    title: str
    kind: str
    registered: int
    attended: int
    cancelled: bool


@dataclass
class OrganisationFigures:
    organisation: object
    period: Period
    applications: list = field(default_factory=list)
    awards: list = field(default_factory=list)
    pairings: list = field(default_factory=list)
    events: list = field(default_factory=list)
    collaborations: list = field(default_factory=list)
    previous_applications: list = field(default_factory=list)
    target_groups: list = field(default_factory=list)
    languages: list = field(default_factory=list)
    needs: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    branches: list = field(default_factory=list)

    @property
    def today(self):
        """The as-of date (the templates' name for it)."""
        return self.period.as_of

    @property
    def flags(self) -> int:
        return sum(len(pairing.flags) for pairing in self.pairings)

    @property
    def address_lines(self) -> list[str]:
        organisation = self.organisation
        place = f"{organisation.postal_code} {organisation.postal_place}".strip()
        return [line for line in (organisation.street_address, place) if line]

    @property
    def payments(self) -> list[tuple]:
        """Every payment: (grant year, paid on, amount), oldest first."""
        rows = [(a.year, day, amount) for a in self.awards for day, amount in a.payments]
        return sorted(rows, key=lambda row: (row[1], row[0]))

    @property
    def clawbacks(self) -> list:
        return [clawback for award in self.awards for clawback in award.clawbacks]

    @property
    def awarded(self) -> Decimal:
        return sum((award.amount for award in self.awards), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return sum((award.disbursed for award in self.awards), ZERO)

    @property
    def clawed_back(self) -> Decimal:
        return sum(
            (c.amount for award in self.awards for c in award.clawbacks if not c.cancelled), ZERO
        )

    @property
    def repaid(self) -> Decimal:
        return sum((c.repaid for award in self.awards for c in award.clawbacks), ZERO)

    @property
    def meetings(self) -> int:
        return sum(pairing.meetings for pairing in self.pairings)

    @property
    def attended(self) -> int:
        return sum(event.attended for event in self.events)


def _day(moment):
    return timezone.localtime(moment).date() if moment else None


def _in_schemes(queryset, schemes, path):
    """Only the rows of ``schemes`` (ids), when the report is limited to them."""
    return queryset if schemes is None else queryset.filter(**{f"{path}__in": schemes})


def _applications(figures, organisation, schemes, period):
    applications = (
        _in_schemes(
            Application.objects.filter(
                organisation=organisation,
                round__scheme_year__year__in=period.calendar_years,
            ),
            schemes,
            "round__scheme_year__scheme",
        )
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("round__scheme_year__scheme")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=Decision.objects.order_by("decided_at").prefetch_related("appeals"),
            )
        )
        .order_by("round__scheme_year__year", "submitted_at", "id")
    )
    for application in applications:
        figures.applications.append(
            ApplicationRow(
                scheme=str(application.round.scheme_year.scheme),
                year=application.round.scheme_year.year,
                call=application.round.title,
                status=application.get_status_display(),
                amount=application.amount,
                submitted_on=_day(application.submitted_at),
                decisions=[
                    DecisionRow(
                        kind=decision.get_kind_display(),
                        decided_on=_day(decision.decided_at),
                        reasons=decision.reasons,
                        appeal_deadline=decision.appeal_deadline,
                        appeals=[
                            (_day(a.lodged_at), a.get_status_display())
                            for a in decision.appeals.all()
                        ],
                    )
                    for decision in application.decisions.all()
                ],
            )
        )


def _report(award, period) -> ReportRow | None:
    report = getattr(award, "report", None)
    if report is None:
        return None
    state = define.report_state(report, period)
    income, expense = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    labels = {}
    for line in report.account_lines.all():
        labels[line.category] = line.get_category_display()
        (income if line.kind == LineKind.INCOME else expense)[line.category] += line.amount
    return ReportRow(
        due_on=report.due_on,
        status=report.get_status_display(),
        state=state,
        submitted_on=_day(report.submitted_at),
        people_reached=report.people_reached,
        activities_held=report.activities_held,
        income=sum(income.values(), ZERO),
        expenses=sum(expense.values(), ZERO),
        by_category=[
            (labels[c], income.get(c, ZERO), expense.get(c, ZERO)) for c in sorted(labels)
        ],
        audit_required=award.application.round.scheme_year.needs_audit(award.amount),
        auditor=report.auditor_name,
        audited=bool(report.auditor_statement),
        sent=state in (ReportState.ON_TIME, ReportState.LATE),
    )


def _awards(figures, organisation, period, schemes):
    applications = (
        _in_schemes(
            define.awards(
                Application.objects.filter(organisation=organisation, award__isnull=False),
                period,
                "award__",
            ),
            schemes,
            "round__scheme_year__scheme",
        )
        .select_related("round__scheme_year__scheme", "award__decision", "award__report")
        .prefetch_related(
            "award__disbursements",
            "award__report__account_lines",
            Prefetch(
                "award__clawbacks",
                queryset=Clawback.objects.select_related("decision").prefetch_related("repayments"),
            ),
        )
        .order_by("round__scheme_year__year", "id")
    )
    for application in applications:
        award = application.award
        clawbacks = []
        for clawback in award.clawbacks.all():
            clawbacks.append(ClawbackRow(
                decided_on=_day(clawback.decision.decided_at),
                amount=clawback.amount,
                due_on=clawback.due_on,
                status=clawback.get_status_display(),
                repaid=sum((r.amount for r in clawback.repayments.all()), ZERO),
                cancelled=clawback.status == ClawbackStatus.CANCELLED,
            ))  # fmt: skip
        figures.awards.append(
            AwardRow(
                scheme=str(application.round.scheme_year.scheme),
                year=application.round.scheme_year.year,
                amount=award.amount,
                decided_on=_day(award.decision.decided_at),
                accepted_on=_day(award.accepted_at),
                payments=[
                    (d.paid_on, d.amount)
                    for d in award.disbursements.all()
                    if d.paid_on <= period.as_of
                ],
                report=_report(award, period),
                clawbacks=clawbacks,
            )
        )


def _pairings(figures, organisation, schemes, period):
    pairings = (
        _in_schemes(
            define.running_pairings(
                Pairing.objects.filter(members__organisation=organisation), period
            ),
            schemes,
            "scheme",
        )
        .select_related("scheme", "mentor")
        .prefetch_related(
            "members",
            Prefetch(
                "check_ins",
                queryset=CheckIn.objects.filter(organisation=organisation).order_by("answered_at"),
            ),
            Prefetch(
                "flags",
                queryset=define.flags(
                    Flag.objects.filter(raised_for=organisation), period
                ).order_by("raised_at"),
            ),
        )
        .order_by("starts_on", "id")
    )
    pairings = list(pairings)
    meetings = defaultdict(Counter)
    held = define.meetings(Meeting.objects.filter(pairing__in=pairings), period)
    for pairing_id, held_on in held.values_list("pairing_id", "held_on"):
        meetings[pairing_id][held_on.year] += 1
    for pairing in pairings:
        figures.pairings.append(
            PairingRow(
                scheme=str(pairing.scheme),
                mentor=pairing.mentor.name,
                starts_on=pairing.starts_on,
                ends_on=pairing.ends_on,
                status=pairing.get_status_display(),
                group_size=len(pairing.members.all()),
                meetings_by_year=sorted(meetings[pairing.pk].items()),
                check_ins=[
                    (
                        c.get_kind_display(),
                        c.good_fit,
                        c.usefulness,
                        c.cooperation,
                        c.progress,
                        _day(c.answered_at),
                    )
                    for c in pairing.check_ins.all()
                ],
                flags=[(_day(f.raised_at), f.get_status_display()) for f in pairing.flags.all()],
            )
        )


def _events(figures, organisation, schemes, period):
    grouped = {}
    first, after = period.moments()
    for registration in (
        _in_schemes(
            Registration.objects.filter(
                organisation=organisation, event__starts_at__gte=first, event__starts_at__lt=after
            ),
            schemes,
            "event__scheme_year__scheme",
        )
        .select_related("event")
        .order_by("event__starts_at", "event_id", "id")
    ):
        event = registration.event
        row = grouped.get(event.pk)
        if row is None:
            row = grouped[event.pk] = EventRow(
                starts_on=_day(event.starts_at),
                title=event.title,
                kind=event.get_kind_display(),
                registered=0,
                attended=0,
                cancelled=event.cancelled_at is not None,
            )
        if registration.cancelled_at is None and not registration.waiting:
            row.registered += 1
        if registration.attended:
            row.attended += 1
    figures.events = list(grouped.values())


def portal_period(as_of=None) -> Period:
    """The years of every scheme in the portal: an organisation's whole record."""
    years = SchemeYear.objects.order_by("year").values_list("year", flat=True)
    first, last = years.first(), years.last()
    this_year = timezone.localdate().year
    return Period.years(first or this_year, last or this_year, as_of)


def organisation_figures(
    organisation, period, progress=lambda percent, step="": None, schemes=None
):
    """Everything the organisation report shows for ``organisation`` in ``period`` (a Period,
    or an as-of date for its whole record); only about ``schemes`` (ids) when given — a
    caseworker's report covers their own schemes."""
    if not isinstance(period, Period):
        period = portal_period(period)
    figures = OrganisationFigures(organisation=organisation, period=period)
    progress(10, _("Applications"))
    _applications(figures, organisation, schemes, period)
    progress(30, _("Awards"))
    _awards(figures, organisation, period, schemes)
    progress(55, _("Mentoring"))
    _pairings(figures, organisation, schemes, period)
    progress(70, _("Courses and gatherings"))
    _events(figures, organisation, schemes, period)
    figures.collaborations = list(
        organisation.collaborations.order_by("since", "partner_name", "id")
    )
    figures.previous_applications = list(
        organisation.previous_applications.order_by("year", "grantor", "id")
    )
    figures.target_groups = [str(group) for group in organisation.target_groups.all()]
    figures.languages = [str(language) for language in organisation.languages.all()]
    figures.needs = [str(area) for area in organisation.competence_needs.all()]
    figures.activities = list(organisation.activities.order_by("name", "id"))
    figures.branches = list(organisation.branches.order_by("name", "id"))
    return figures
