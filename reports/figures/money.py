"""Money in the evaluation summary, for the evaluators: what the grants were spent on, the
amounts applied for against the audit threshold, who applied and who was selected, and what
the scheme cost per organisation (issue 14).

Anonymised like the rest of the summary: organisations appear only by their anonymous labels
(``reports.figures.anonymous``), and a count of organisations smaller than the scheme's
smallest group reads "fewer than n" (``courses.anonymise.at_least``). Each figure has one
function here and one written definition in ``reports.figures.definitions.DEFINITIONS``; the
periods, awards, payments and sent reports are the ones every other output counts.

The follow-up evaluation's report (April 2025) is what the figures answer to: most money went
to salaries and fees, two organisations spent theirs on activities instead ("Betydningen av
tilskuddsmidler"); several applied for 89 000-99 000 kroner to stay under the 100 000 kroner
audit threshold (same section); 56 applied and 9 were selected with geography, target groups
and type of organisation in mind ("Utvelgelse av deltakerorganisasjoner og mentorer"); and the
grants, the mentors' 40 000 kroner and the gatherings and courses were weighed against the nine
organisations reached (the closing chapter, on the use of resources).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from django.db.models import Count, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses.anonymise import at_least
from courses.models import Event
from grants.models import AccountLine, Application, Award, BudgetCategory, Invitation, LineKind
from mentoring.models import Compensation
from organisations.models import Organisation, TargetGroup
from reports.figures import definitions as define
from reports.figures.anonymous import organisation_labels
from reports.figures.definitions import Period
from scheme.formatting import format_number

ZERO = Decimal("0")
# The histogram's bin edges as fractions of the audit threshold: each bin holds the amounts
# above its lower edge up to and including its upper edge (an amount equal to the threshold
# needs no audit, so it falls in the last bin under it).
EDGES = (Decimal("0.8"), Decimal("0.85"), Decimal("0.9"), Decimal("0.95"), Decimal("1"),
         Decimal("1.05"), Decimal("1.1"), Decimal("1.2"))  # fmt: skip
AT_THRESHOLD = EDGES.index(Decimal("1"))  # the last bin whose amounts need no audit
JUST_UNDER = Decimal("0.9")  # "just under": above 90 % of the threshold, up to it
CHART_ROWS = 30  # organisations in one spending chart


# --- spending by category ------------------------------------------------------------------------


@dataclass
class SpendingRow:
    """One organisation's reported spending (anonymous), or all of it, by budget category."""

    organisation: str  # "Organisation C"
    amounts: dict  # BudgetCategory value -> Decimal, in BudgetCategory's order

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)

    @property
    def salary(self) -> Decimal:
        return self.amounts[BudgetCategory.SALARY]

    @property
    def activities(self) -> Decimal:
        return self.amounts[BudgetCategory.ACTIVITIES]

    @property
    def other(self) -> Decimal:
        """Rent, travel, equipment and other."""
        return self.total - self.salary - self.activities

    @property
    def salary_share(self) -> int | None:
        """Salary and fees in whole per cent of the spending (None: nothing spent)."""
        return round(100 * self.salary / self.total) if self.total else None


@dataclass
class Spending:
    """Spending by category from the accounts of the grant reports sent (definition "Spending
    by category")."""

    rows: list = field(default_factory=list)  # SpendingRow, by label

    @property
    def categories(self) -> list[str]:
        return [str(label) for label in BudgetCategory.labels]

    @property
    def chart_groups(self) -> list[list[tuple]]:
        """(organisation, [amount per category]) of those that spent something, in groups of
        at most CHART_ROWS: one chart each, so that no chart is taller than a page."""
        parts = [(row.organisation, list(row.amounts.values())) for row in self.rows if row.total]
        return [parts[first : first + CHART_ROWS] for first in range(0, len(parts), CHART_ROWS)]

    @property
    def all(self) -> SpendingRow:
        """All the organisations' spending together."""
        totals = {
            category: sum((row.amounts[category] for row in self.rows), ZERO)
            for category in BudgetCategory.values
        }
        return SpendingRow(gettext("All organisations"), totals)

    @property
    def by_category(self) -> list[tuple]:
        """(category label, amount, share in whole per cent) for all the organisations."""
        together = self.all
        return [
            (str(label), amount, round(100 * amount / together.total) if together.total else None)
            for label, amount in zip(BudgetCategory.labels, together.amounts.values(), strict=True)
        ]


def spending_by_category(scheme, period: Period, participants) -> Spending:
    """The expense lines of the accounts in the grant reports sent or approved by the as-of
    date, for the awards of the period, added up per organisation and budget category. The
    organisations are named by their anonymous labels among ``participants``. One query."""
    lines = define.sent_reports(
        define.awards(
            AccountLine.objects.filter(
                kind=LineKind.EXPENSE,
                report__award__application__round__scheme_year__scheme=scheme,
            ),
            period,
            "report__award__",
        ),
        period,
        "report__",
    )
    amounts = defaultdict(lambda: dict.fromkeys(BudgetCategory.values, ZERO))
    for organisation_id, category, total in (
        lines.order_by()
        .values_list("report__award__application__organisation_id", "category")
        .annotate(total=Sum("amount"))
    ):
        amounts[organisation_id][category] += total
    labels = organisation_labels(set(participants) | set(amounts))
    rows = [SpendingRow(labels[pk], spent) for pk, spent in amounts.items()]
    rows.sort(key=lambda row: (len(row.organisation), row.organisation))
    return Spending(rows)


# --- amounts against the audit threshold ---------------------------------------------------------


class CountsShown:
    """The counts ``applied`` and ``awarded`` as the small-group rule shows them."""

    @property
    def applied_shown(self):
        return at_least(self.applied, self.smallest)

    @property
    def awarded_shown(self):
        return at_least(self.awarded, self.smallest)


@dataclass
class AmountBin(CountsShown):
    """The applications and awards whose amount lies in one range relative to the threshold."""

    label: str
    applied: int
    awarded: int
    under_threshold: bool  # the range lies at or under the threshold (no audit)
    smallest: int

    @property
    def too_few(self) -> bool:
        """Fewer applications than the smallest group: the chart does not draw the range."""
        return 0 < self.applied < self.smallest

    @property
    def drawn(self) -> int:
        """The height the chart may draw: none for a small group."""
        return 0 if self.too_few else self.applied

    @property
    def note(self) -> str:
        """What the chart prints over the range instead of a small group's count."""
        return f"<\xa0{self.smallest}" if self.too_few else ""


@dataclass
class ThresholdFigures:
    """Amounts applied for and awarded against the audit threshold (definition "Amounts
    against the audit threshold")."""

    thresholds: list  # the audit thresholds of the years counted, distinct, in order
    bins: list = field(default_factory=list)  # AmountBin, from the smallest amounts up
    applications: int = 0
    just_under: int = 0  # applications for more than 90 % of the threshold, up to it
    smallest: int = 3

    @property
    def just_under_shown(self):
        return at_least(self.just_under, self.smallest)

    @property
    def applications_shown(self):
        return at_least(self.applications, self.smallest)

    @property
    def chart_labels(self) -> list[str]:
        """The ranges in per cent of the threshold: short enough to stand whole under a
        chart's columns."""
        return _bin_labels(self.thresholds, in_percent=True) if self.bins else []


def _bin_index(amount: Decimal, threshold: Decimal) -> int:
    """The bin of ``amount``: 0 for up to the first edge, len(EDGES) for above the last."""
    for index, edge in enumerate(EDGES):
        if amount <= threshold * edge:
            return index
    return len(EDGES)


def _bin_labels(thresholds, in_percent=False) -> list[str]:
    """The ranges in kroner when every year had the same threshold (and ``in_percent`` is not
    asked for), else in per cent of it."""
    if len(thresholds) == 1 and not in_percent:
        bounds = [format_number(int(thresholds[0] * edge)) for edge in EDGES]
    else:
        bounds = [f"{int(edge * 100)}\xa0%" for edge in EDGES]
    return [
        gettext("up to %(amount)s") % {"amount": bounds[0]},
        *(f"{low}–{high}" for low, high in pairwise(bounds)),
        gettext("over %(amount)s") % {"amount": bounds[-1]},
    ]


def sent_applications(scheme, period: Period):
    """Applications for the grant years in the period sent by the as-of date (a withdrawn one
    too, once sent)."""
    return Application.objects.filter(
        round__scheme_year__scheme=scheme,
        round__scheme_year__year__in=period.calendar_years,
        submitted_at__isnull=False,
        submitted_at__lt=period.by_as_of(),
    )


def amounts_against_threshold(scheme, period: Period) -> ThresholdFigures:
    """How many of the applications sent asked for, and how many awards gave, an amount in
    each range around the audit threshold of its year; two queries."""
    applied = list(
        sent_applications(scheme, period)
        .filter(amount__isnull=False)
        .values_list("amount", "round__scheme_year__audit_threshold")
    )
    awarded = list(
        define.awards(
            Award.objects.filter(application__round__scheme_year__scheme=scheme), period
        ).values_list("amount", "application__round__scheme_year__audit_threshold")
    )
    thresholds = sorted({threshold for _amount, threshold in [*applied, *awarded]})
    counts = {"applied": [0] * (len(EDGES) + 1), "awarded": [0] * (len(EDGES) + 1)}
    for name, rows in (("applied", applied), ("awarded", awarded)):
        for amount, threshold in rows:
            counts[name][_bin_index(amount, threshold)] += 1
    smallest = scheme.smallest_group
    return ThresholdFigures(
        thresholds=thresholds,
        bins=[
            AmountBin(label, applied_n, awarded_n, i <= AT_THRESHOLD, smallest)
            for i, (label, applied_n, awarded_n) in enumerate(
                zip(_bin_labels(thresholds), counts["applied"], counts["awarded"], strict=True)
            )
        ]
        if thresholds
        else [],
        applications=len(applied),
        just_under=sum(1 for amount, t in applied if t * JUST_UNDER < amount <= t),
        smallest=smallest,
    )


# --- applicants and the selection ----------------------------------------------------------------


@dataclass
class SelectionRow(CountsShown):
    """The organisations of one county, target group or type that applied, and of them those
    awarded a grant."""

    label: str
    applied: int
    awarded: int
    smallest: int

    @property
    def share(self) -> int | None:
        """Per cent of the applicants awarded; left out when either count is a small group
        (it would tell the count)."""
        small = any(0 < n < self.smallest for n in (self.applied, self.awarded))
        return None if small or not self.applied else round(100 * self.awarded / self.applied)


@dataclass
class Selection:
    """Applicants and the selection (definition "Applicants and selection")."""

    invited: int
    applied: int
    awarded: int
    by_county: list  # SelectionRow
    by_target_group: list
    by_type: list

    @property
    def tables(self) -> list[tuple]:
        """(caption, first column's heading, rows) of each breakdown, as the PDF shows them."""
        return [
            (gettext("Applicants and awards by county (organisations)"), gettext("County"),
             self.by_county),
            (gettext("Applicants and awards by target group (organisations; one can have "
                     "several)"), gettext("Target group"), self.by_target_group),
            (gettext("Applicants and awards by type of organisation (organisations)"),
             gettext("Type"), self.by_type),
        ]  # fmt: skip


def _membership(member_based) -> str:
    """The type of organisation the portfolio and the mentor matching use."""
    if member_based is None:
        return gettext("not recorded")
    return gettext("member-based") if member_based else gettext("not member-based")


def _selection_rows(groups: dict, awarded: set, smallest: int) -> list[SelectionRow]:
    """``groups``: label -> organisation ids that applied; the most applicants first."""
    rows = [
        SelectionRow(label, len(ids), len(ids & awarded), smallest) for label, ids in groups.items()
    ]
    return sorted(rows, key=lambda row: (-row.applied, -row.awarded, row.label))


def selection(scheme, period: Period) -> Selection:
    """The organisations invited to a closed call of the period's years, those that sent an
    application for one of them, and of these the organisations awarded a grant; by county,
    target group (of their applications) and type (member-based or not). Five queries."""
    sent = sent_applications(scheme, period)
    invited = (
        Invitation.objects.filter(
            round__scheme_year__scheme=scheme,
            round__scheme_year__year__in=period.calendar_years,
            invited_at__lt=period.by_as_of(),
        )
        .values("organisation_id")
        .distinct()
        .count()
    )
    applicants = {
        pk: (county, member_based)
        for pk, county, member_based in Organisation.objects.filter(
            pk__in=sent.values("organisation_id")
        ).values_list("pk", "county", "member_based")
    }
    awarded = set(
        define.awards(Award.objects.filter(application__in=sent), period).values_list(
            "application__organisation_id", flat=True
        )
    )
    groups_of = defaultdict(set)  # organisation id -> target group ids
    for organisation_id, group_id in Application.target_groups.through.objects.filter(
        application__in=sent
    ).values_list("application__organisation_id", "targetgroup_id"):
        groups_of[organisation_id].add(group_id)
    names = {group.pk: group.name for group in TargetGroup.objects.filter(
        pk__in={pk for ids in groups_of.values() for pk in ids}
    )}  # fmt: skip
    counties, target_groups, kinds = defaultdict(set), defaultdict(set), defaultdict(set)
    county_names = dict(Organisation._meta.get_field("county").choices)
    for pk, (county, member_based) in applicants.items():
        counties[county_names.get(county) or gettext("not recorded")].add(pk)
        for group_id in groups_of.get(pk) or [None]:
            target_groups[names[group_id] if group_id else gettext("none given")].add(pk)
        kinds[_membership(member_based)].add(pk)
    smallest = scheme.smallest_group
    return Selection(
        invited=invited,
        applied=len(applicants),
        awarded=len(awarded),
        by_county=_selection_rows(counties, awarded, smallest),
        by_target_group=_selection_rows(target_groups, awarded, smallest),
        by_type=_selection_rows(kinds, awarded, smallest),
    )


# --- cost per organisation -----------------------------------------------------------------------


@dataclass
class CostRow:
    """What one year (or the period, ``year`` None) cost and how many organisations it reached
    (definition "Cost per organisation")."""

    year: int | None
    grants: Decimal = ZERO
    compensation: Decimal = ZERO
    events: Decimal = ZERO
    staff: Decimal | None = None  # None: not recorded
    organisations: int = 0
    smallest: int = 3

    @property
    def total(self) -> Decimal:
        return self.grants + self.compensation + self.events + (self.staff or ZERO)

    @property
    def per_organisation(self) -> Decimal | None:
        if not self.organisations:
            return None
        return (self.total / self.organisations).quantize(Decimal("1"))

    @property
    def organisations_shown(self):
        return at_least(self.organisations, self.smallest)

    @property
    def per_organisation_shown(self) -> Decimal | None:
        """Left out for fewer organisations than the smallest group: it would come close to
        telling what one of them was given."""
        return None if 0 < self.organisations < self.smallest else self.per_organisation


def _sums_by_year(rows) -> dict:
    return {year: total or ZERO for year, total in rows}


def cost_per_organisation(scheme, period: Period) -> list[CostRow]:
    """Per calendar year of the period, then for the whole period: the grants awarded, the
    mentor compensation agreed, the cost of the events held and the administering body's staff
    cost where recorded, and that total per organisation awarded a grant. The number of
    queries grows with the years, not with the organisations."""
    years = period.calendar_years
    awards = define.awards(
        Award.objects.filter(application__round__scheme_year__scheme=scheme), period
    ).order_by()
    by_year = {
        row["application__round__scheme_year__year"]: row
        for row in awards.values("application__round__scheme_year__year").annotate(
            total=Sum("amount"), n=Count("application__organisation_id", distinct=True)
        )
    }
    compensation = _sums_by_year(
        Compensation.objects.filter(scheme_year__scheme=scheme, scheme_year__year__in=years)
        .order_by()
        .values_list("scheme_year__year")
        .annotate(total=Sum("amount"))
    )
    staff = dict(scheme.years.filter(year__in=years).values_list("year", "staff_cost"))
    rows = []
    for year in years:
        held = define.held_events(
            Event.objects.filter(scheme_year__scheme=scheme, scheme_year__year=year),
            period.part_in(year),
        )
        found = by_year.get(year, {})
        rows.append(
            CostRow(
                year=year,
                grants=found.get("total") or ZERO,
                compensation=compensation.get(year, ZERO),
                events=held.aggregate(total=Sum("cost"))["total"] or ZERO,
                staff=staff.get(year),
                organisations=found.get("n", 0),
                smallest=scheme.smallest_group,
            )
        )
    recorded = [row.staff for row in rows if row.staff is not None]
    rows.append(
        CostRow(
            year=None,
            grants=sum((row.grants for row in rows), ZERO),
            compensation=sum((row.compensation for row in rows), ZERO),
            events=sum((row.events for row in rows), ZERO),
            staff=sum(recorded, ZERO) if recorded else None,
            organisations=awards.values("application__organisation_id").distinct().count(),
            smallest=scheme.smallest_group,
        )
    )
    return rows


# --- all of it ----------------------------------------------------------------------------------


# The cost table's parts (definition "Cost per organisation"): label and CostRow attribute.
COST_PARTS = [
    (_("Grants awarded"), "grants"),
    (_("Mentor compensation"), "compensation"),
    (_("Events held"), "events"),
    (_("Administering body's staff cost"), "staff"),
    (_("Total"), "total"),
    (_("Organisations awarded a grant"), "organisations_shown"),
    (_("Cost per organisation"), "per_organisation_shown"),
]


@dataclass
class MoneyFigures:
    spending: Spending
    threshold: ThresholdFigures
    selection: Selection
    cost: list  # CostRow per year, then the period's

    @property
    def staff_recorded(self) -> bool:
        return any(row.staff is not None for row in self.cost)

    @property
    def cost_lines(self) -> list[tuple]:
        """The cost table by part (the CSV's lines): (label, [value per year, then the
        period's]); a value is an amount in kroner, a count of organisations ("fewer than n"
        for a small group), or None (not recorded, or left out)."""
        return [
            (str(label), [getattr(row, attribute) for row in self.cost])
            for label, attribute in COST_PARTS
        ]

    @property
    def cost_labels(self) -> list[str]:
        return [str(label) for label, _attribute in COST_PARTS]

    @property
    def cost_rows(self) -> list[tuple]:
        """The cost table by year (the PDF's rows, so that many years never make it wider than
        the page): (year, or None for the period; [value per part])."""
        return [
            (row.year, [getattr(row, attribute) for _label, attribute in COST_PARTS])
            for row in self.cost
        ]


def money_figures(scheme, period: Period, participants) -> MoneyFigures:
    """The money section of the evaluation summary; ``participants`` are the organisations the
    summary counts as taking part (their anonymous labels are shared with its other tables)."""
    return MoneyFigures(
        spending=spending_by_category(scheme, period, participants),
        threshold=amounts_against_threshold(scheme, period),
        selection=selection(scheme, period),
        cost=cost_per_organisation(scheme, period),
    )
