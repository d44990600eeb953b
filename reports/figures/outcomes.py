"""Outcomes after the scheme (goal 5): the grants the participants applied for and got from
other schemes and bodies in the years after the period, as they recorded them in the follow-up
a year later or on their profiles ("Grants from others after the scheme" in ``definitions``).

The scheme's own grants are its awards, never these rows; a row that names the scheme is left
out all the same (``organisations.followup.names_the_scheme``, the rule the follow-up form
refuses such a row by). Organisations are named by their anonymous labels.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from organisations.followup import names_the_scheme
from organisations.models import ApplicationOutcome, FollowUp, PreviousApplication
from reports.figures.anonymous import organisation_labels

ZERO = Decimal("0")


@dataclass
class OutcomeRow:
    organisation: str  # anonymous label
    answered: bool  # the follow-up is answered
    applications: int = 0
    granted: int = 0
    amount: Decimal = ZERO  # granted, in NOK

    def add(self, outcome, amount) -> None:
        self.applications += 1
        if outcome == ApplicationOutcome.GRANTED:
            self.granted += 1
            self.amount += amount or ZERO


@dataclass
class OutcomeFigures:
    first_year: int  # the first year after the period
    last_year: int  # the as-of date's year (before first_year: no year has passed yet)
    rows: list = field(default_factory=list)  # OutcomeRow per participant, by label
    total: OutcomeRow = None

    @property
    def years_after(self) -> bool:
        return self.last_year >= self.first_year

    @property
    def answered(self) -> int:
        return sum(row.answered for row in self.rows)

    @property
    def with_grants(self) -> int:
        return sum(1 for row in self.rows if row.granted)


def outcome_figures(scheme, participants, period) -> OutcomeFigures:
    """Per participant (anonymised) and in total: the grants applied for from others in the
    years after ``period`` up to the as-of date's year, those granted and their amount; and
    whether its follow-up was answered by the as-of date."""
    first, last = period.last_day.year + 1, period.as_of.year
    labels = organisation_labels(participants)
    answered = set(
        FollowUp.objects.filter(
            scheme=scheme, organisation_id__in=participants, answered_at__lt=period.by_as_of()
        ).values_list("organisation_id", flat=True)
    )
    rows = {pk: OutcomeRow(label, pk in answered) for pk, label in labels.items()}
    total = OutcomeRow("", bool(answered))
    grants = PreviousApplication.objects.filter(
        organisation_id__in=participants, year__gte=first, year__lte=last
    ).values_list("organisation_id", "grantor_name", "outcome", "amount")
    for organisation_id, grantor_name, outcome, amount in grants:
        if not names_the_scheme(grantor_name, scheme):
            rows[organisation_id].add(outcome, amount)
            total.add(outcome, amount)
    ordered = sorted(rows.values(), key=lambda row: (len(row.organisation), row.organisation))
    return OutcomeFigures(first_year=first, last_year=last, rows=ordered, total=total)
