"""The figures of the annual grant report for one scheme year, gathered from the database.

Kept apart from the rendering so they can be tested on their own: every number in the PDF
comes from here. The report covers its scheme year as of a date; what each figure counts is
defined once, in ``reports.figures.definitions``.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Event, Registration
from courses.plans import plan_against_held
from grants.models import (
    AccountLine,
    Award,
    BudgetCategory,
    Clawback,
    ClawbackStatus,
    Disbursement,
    IncomeCategory,
    LineKind,
)
from mentoring.models import Compensation, Flag, Meeting, Pairing
from reports.figures import definitions as define
from reports.figures.definitions import Period, ReportState

ZERO = Decimal("0")


@dataclass
class AwardRow:
    organisation: str
    county: str
    awarded: Decimal
    disbursed: Decimal
    spent: dict  # category -> amount
    unspent: Decimal | None
    report_state: ReportState
    audit_required: bool
    audited: bool
    clawed_back: Decimal
    repaid: Decimal
    income: dict = field(default_factory=dict)  # income category -> amount, as reported

    @property
    def spent_total(self) -> Decimal:
        return sum(self.spent.values(), ZERO)

    @property
    def main_category(self) -> str | None:
        """The category most of the organisation's reported spending went to."""
        if not self.spent_total:
            return None
        return max(self.spent, key=lambda category: (self.spent[category], category))


@dataclass
class PairingRow:
    mentor: str
    participants: str
    meetings: int
    minimum: int
    flags: int
    status: str

    @property
    def met_minimum(self) -> bool:
        return self.meetings >= self.minimum


@dataclass
class EventRow:
    starts_on: object  # date
    kind: str
    title: str
    planned: bool
    registered: int
    attended: int
    cost: Decimal


@dataclass
class AnnualFigures:
    scheme_year: object
    period: Period
    awards: list = field(default_factory=list)
    pairings: list = field(default_factory=list)
    plan: dict = field(default_factory=dict)
    events: list = field(default_factory=list)  # EventRow for each event held
    attendance: list = field(default_factory=list)  # (organisation, registered, attended)
    compensation: Decimal = ZERO
    events_cost: Decimal = ZERO
    health: dict = field(default_factory=dict)  # Health value -> pairings, on the last day
    flags_resolved: int = 0

    @property
    def awarded(self) -> Decimal:
        return sum((row.awarded for row in self.awards), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return sum((row.disbursed for row in self.awards), ZERO)

    @property
    def spent_by_category(self) -> dict:
        totals = dict.fromkeys(BudgetCategory.values, ZERO)
        for row in self.awards:
            for category, amount in row.spent.items():
                totals[category] += amount
        return totals

    @property
    def spent(self) -> Decimal:
        return sum(self.spent_by_category.values(), ZERO)

    def share_of_spending(self, category) -> float:
        """The share (0–1) of all reported spending that went to ``category``."""
        return float(self.spent_by_category[category] / self.spent) if self.spent else 0.0

    def organisations_mainly_on(self, category) -> int:
        """How many organisations spent the largest part of their money on ``category``."""
        return sum(1 for row in self.awards if row.main_category == category)

    @property
    def income_by_category(self) -> dict:
        """The income the sent accounts report, by where it came from (IncomeCategory)."""
        totals = dict.fromkeys(IncomeCategory.values, ZERO)
        for row in self.awards:
            for category, amount in row.income.items():
                totals[category] += amount
        return totals

    @property
    def income(self) -> Decimal:
        return sum(self.income_by_category.values(), ZERO)

    def share_of_income(self, category) -> float:
        """The share (0–1) of all reported income that came from ``category``."""
        return float(self.income_by_category[category] / self.income) if self.income else 0.0

    def income_rows(self) -> list[tuple[str, Decimal, str]]:
        """(label, amount, share in per cent) for each income category, for the accounts
        part of the report."""
        by_category = self.income_by_category
        return [
            (label, by_category[value], f"{round(self.share_of_income(value) * 100)}\xa0%")
            for value, label in IncomeCategory.choices
        ]

    @property
    def unspent(self) -> Decimal:
        return sum((row.unspent or ZERO for row in self.awards), ZERO)

    @property
    def audit_required(self) -> int:
        return sum(1 for row in self.awards if row.audit_required)

    @property
    def audited(self) -> int:
        """Awards above the audit threshold whose accounts came with an auditor's certification."""
        return sum(1 for row in self.awards if row.audit_required and row.audited)

    @property
    def report_states(self) -> dict:
        counts = dict.fromkeys(ReportState, 0)
        for row in self.awards:
            counts[row.report_state] += 1
        return counts

    @property
    def clawed_back(self) -> Decimal:
        return sum((row.clawed_back for row in self.awards), ZERO)

    @property
    def repaid(self) -> Decimal:
        return sum((row.repaid for row in self.awards), ZERO)

    @property
    def outstanding(self) -> Decimal:
        """Claimed back but not yet repaid."""
        return self.clawed_back - self.repaid

    @property
    def meetings(self) -> int:
        return sum(row.meetings for row in self.pairings)

    @property
    def pairings_at_minimum(self) -> int:
        return sum(1 for row in self.pairings if row.met_minimum)

    @property
    def flags(self) -> int:
        return sum(row.flags for row in self.pairings)

    def salary_share_bands(self) -> list[tuple[str, int]]:
        """How many organisations spent what share of their money on salary and fees, in
        bands of 20 percentage points (organisations that have reported spending)."""
        bands = [0] * 5
        for row in self.awards:
            if row.spent_total:
                share = row.spent.get(BudgetCategory.SALARY, ZERO) / row.spent_total
                bands[min(int(share * 5), 4)] += 1
        labels = ["0–19 %", "20–39 %", "40–59 %", "60–79 %", "80–100 %"]
        return list(zip(labels, bands, strict=True))

    def meetings_distribution(self) -> list[tuple[str, int]]:
        """How many pairings held 0, 1, 2, ... meetings, the last column being the minimum or
        more."""
        if not self.pairings:
            return []
        least = max(row.minimum for row in self.pairings)
        counts = [0] * (least + 1)
        for row in self.pairings:
            counts[min(row.meetings, least)] += 1
        labels = [str(n) for n in range(least)] + [f"≥\xa0{least}"]
        return list(zip(labels, counts, strict=True))

    @property
    def registered(self) -> int:
        return sum(registered for _name, registered, _attended in self.attendance)

    @property
    def attended(self) -> int:
        return sum(attended for _name, _registered, attended in self.attendance)

    @property
    def total_cost(self) -> Decimal:
        return self.awarded + self.compensation + self.events_cost

    @property
    def cost_per_organisation(self) -> Decimal | None:
        if not self.awards:
            return None
        return (self.total_cost / len(self.awards)).quantize(Decimal("1"))


def _award_rows(scheme_year, period, progress) -> list[AwardRow]:
    awards = list(
        define.awards(Award.objects.in_year(scheme_year), period)
        .select_related("application__organisation", "report")
        .annotate(
            paid=Sum(
                "disbursements__amount",
                filter=Q(disbursements__in=define.payments(Disbursement.objects, period)),
            ),
        )
        .order_by("application__organisation__name")
    )
    spent = defaultdict(lambda: defaultdict(lambda: ZERO))
    income = defaultdict(lambda: defaultdict(lambda: ZERO))
    for award_id, kind, category, amount in (
        define.sent_reports(
            AccountLine.objects.filter(report__award__in=awards), period, "report__"
        )
        .values_list("report__award_id", "kind", "category")
        .annotate(total=Sum("amount"))
        .values_list("report__award_id", "kind", "category", "total")
    ):
        (spent if kind == LineKind.EXPENSE else income)[award_id][category] = amount
    clawbacks = defaultdict(lambda: [ZERO, ZERO])
    for clawback in (
        Clawback.objects.filter(award__in=awards)
        .exclude(status=ClawbackStatus.CANCELLED)
        .annotate(repaid_total=Sum("repayments__amount"))
    ):
        clawbacks[clawback.award_id][0] += clawback.amount
        clawbacks[clawback.award_id][1] += clawback.repaid_total or ZERO
    rows = []
    for number, award in enumerate(awards, start=1):
        report = getattr(award, "report", None)
        paid = award.paid or ZERO
        expenses = sum(spent[award.pk].values(), ZERO)
        state = define.report_state(report, period)
        counted = state in (ReportState.ON_TIME, ReportState.LATE)
        rows.append(
            AwardRow(
                organisation=award.application.organisation.name,
                county=award.application.organisation.get_county_display(),
                awarded=award.amount,
                disbursed=paid,
                spent=dict(spent[award.pk]),
                unspent=max(paid - expenses, ZERO) if counted else None,
                report_state=state,
                audit_required=scheme_year.needs_audit(award.amount),
                audited=bool(report and report.auditor_statement),
                clawed_back=clawbacks[award.pk][0],
                repaid=clawbacks[award.pk][1],
                income=dict(income[award.pk]),
            )
        )
        if number % 50 == 0:
            progress(10 + 40 * number // len(awards), _("Awards"))
    return rows


def _pairing_rows(scheme_year, period) -> list[PairingRow]:
    held = define.meetings(Meeting.objects, period)
    raised = define.flags(Flag.objects, period)
    pairings = (
        define.with_minimum(
            define.running_pairings(Pairing.objects.filter(scheme=scheme_year.scheme), period),
            scheme_year.year,
        )
        .select_related("mentor")
        .prefetch_related("members__organisation")
        .annotate(
            year_meetings=Count("meetings", filter=Q(meetings__in=held), distinct=True),
            year_flags=Count("flags", filter=Q(flags__in=raised), distinct=True),
        )
        .order_by("mentor__name", "id")
    )
    rows = []
    for pairing in pairings:
        rows.append(
            PairingRow(
                mentor=pairing.mentor.name,
                participants=", ".join(m.organisation.name for m in pairing.members.all()),
                meetings=pairing.year_meetings,
                minimum=pairing.least,
                flags=pairing.year_flags,
                status=pairing.get_status_display(),
            )
        )
    return rows


def _attendance(scheme_year, period) -> list[tuple]:
    rows = (
        define.held_events(
            Registration.objects.filter(event__scheme_year=scheme_year), period, "event__"
        )
        .values("organisation__name")
        .annotate(
            registered=Count("id", filter=Q(cancelled_at__isnull=True, waiting=False)),
            attended=Count("id", filter=Q(attended=True)),
        )
        .order_by("organisation__name")
    )
    return [(row["organisation__name"], row["registered"], row["attended"]) for row in rows]


def _events(scheme_year, period) -> list[EventRow]:
    """The year's events held in the period, with attendance."""
    events = (
        define.held_events(Event.objects.filter(scheme_year=scheme_year), period)
        .annotate(
            registered=Count(
                "registrations",
                filter=Q(registrations__cancelled_at__isnull=True, registrations__waiting=False),
            ),
            attended=Count("registrations", filter=Q(registrations__attended=True)),
        )
        .order_by("starts_at", "id")
    )
    return [
        EventRow(
            starts_on=timezone.localtime(event.starts_at).date(),
            kind=event.get_kind_display(),
            title=event.title,
            planned=event.planned_item_id is not None,
            registered=event.registered,
            attended=event.attended,
            cost=event.cost or ZERO,
        )
        for event in events
    ]


def annual_figures(scheme_year, as_of, progress=lambda percent, step="": None) -> AnnualFigures:
    """Everything the annual grant report shows for ``scheme_year``, as of ``as_of``."""
    period = Period.year(scheme_year.year, as_of)
    progress(5, _("Awards"))
    figures = AnnualFigures(scheme_year=scheme_year, period=period)
    figures.awards = _award_rows(scheme_year, period, progress)
    progress(55, _("Mentoring"))
    figures.pairings = _pairing_rows(scheme_year, period)
    pairings = define.running_pairings(Pairing.objects.filter(scheme=scheme_year.scheme), period)
    figures.health = define.health(pairings, period)
    figures.flags_resolved = define.resolved_flags(
        define.flags(Flag.objects.filter(pairing__in=pairings), period), period
    ).count()
    figures.compensation = (
        Compensation.objects.filter(scheme_year=scheme_year).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    progress(70, _("Competence building"))
    figures.plan = plan_against_held(scheme_year)
    figures.events = _events(scheme_year, period)
    figures.attendance = _attendance(scheme_year, period)
    figures.events_cost = (
        Event.objects.filter(scheme_year=scheme_year, cancelled_at__isnull=True).aggregate(
            total=Sum("cost")
        )["total"]
        or ZERO
    )
    return figures
