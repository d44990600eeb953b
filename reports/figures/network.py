"""The participants' network (goals 2 and 3): their ties, new ties per year, ties by kind of
partner, and the network picture of who works with whom ("Ties" in ``definitions``).

A tie is a collaboration between two parties that a participant recorded as active or ended
(a planned one is not a tie yet), counted once: a participant that names another participant
which names it back makes one tie, started in the earlier of the two years. The partner is one
party whoever recorded it: a registered organisation by its row, a municipality by its number,
a county authority by its county, anyone else by kind and name.

For evaluators: participants are named by their anonymous labels
(``reports.figures.anonymous``), every other party by its kind and a number ("Municipality 2"),
never by a name.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from organisations.models import Collaboration, CollaborationStatus, PartnerKind
from reports.charts import network_chart
from reports.figures.anonymous import organisation_labels

PARTICIPANTS = "participants"  # the group of the scheme's participants in the picture
# The kinds of partner in the order the picture and the tables list them.
KINDS = [
    PartnerKind.PARTICIPANT,
    PartnerKind.MENTOR,
    PartnerKind.MUNICIPALITY,
    PartnerKind.COUNTY,
    PartnerKind.IMMIGRANT_COUNCIL,
    PartnerKind.ORGANISATION,
    PartnerKind.PUBLIC_SERVICE,
]


@dataclass(frozen=True)
class Tie:
    participant: str  # the anonymous label of the participant that recorded it
    partner: str  # the other party's anonymous label
    kind: str  # PartnerKind value of the other party
    year: int  # the year it started


@dataclass
class NetworkFigures:
    ties: list = field(default_factory=list)  # Tie, by year, then labels
    new_by_year: list = field(default_factory=list)  # (year, new, total so far)
    started_before: int = 0  # ties started before the period's first year
    by_kind: list = field(default_factory=list)  # (kind label, ties)
    participants_with_ties: int = 0
    participants: int = 0
    # the picture's nodes (label, group), edges (node, node) and groups (names)
    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    groups: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.ties)

    def svg(self) -> str:
        return network_chart(
            self.nodes,
            self.edges,
            self.groups,
            title=_("Who works with whom: the participants' ties"),
            description=_(
                "The participants on a circle, their partners by kind on the right, and a "
                "line for each tie. The table beside it lists the same ties."
            ),
        )


def _party(collaboration, participants):
    """The other party of a collaboration: (identity, kind)."""
    kind, name = collaboration["partner_kind"], collaboration["partner_name"].strip().casefold()
    partner = collaboration["partner_id"]
    if partner in participants:
        return ("organisation", partner), PartnerKind.PARTICIPANT
    if partner is not None:
        return ("organisation", partner), (
            kind if kind == PartnerKind.MENTOR else PartnerKind.ORGANISATION
        )
    if kind == PartnerKind.PARTICIPANT:  # a participant outside the scheme, or not chosen
        kind = PartnerKind.ORGANISATION
    if kind == PartnerKind.MUNICIPALITY and collaboration["partner_municipality_number"]:
        return ("municipality", collaboration["partner_municipality_number"]), kind
    if kind == PartnerKind.COUNTY and collaboration["partner_county"]:
        return ("county", collaboration["partner_county"]), kind
    return (kind, name), kind


def _started(collaboration) -> int:
    since = collaboration["since"]
    return since.year if since else timezone.localtime(collaboration["created_at"]).year


def tie_years(participants, last_day) -> dict:
    """Each tie of ``participants`` started by ``last_day``: {(party, party): (year, kind)},
    the parties in a fixed order; the earliest year when both sides recorded it."""
    rows = Collaboration.objects.filter(organisation_id__in=participants).exclude(
        status=CollaborationStatus.PLANNED
    )
    ties = {}
    for row in rows.values(
        "organisation_id",
        "partner_id",
        "partner_kind",
        "partner_name",
        "partner_municipality_number",
        "partner_county",
        "since",
        "created_at",
    ):
        year = _started(row)
        if year > last_day.year or (row["since"] and row["since"] > last_day):
            continue
        party, kind = _party(row, participants)
        own = ("organisation", row["organisation_id"])
        if party == own:
            continue
        key = tuple(sorted([own, party], key=str))
        if key not in ties or year < ties[key][0]:
            ties[key] = (year, kind)
    return ties


def network_figures(participants, period) -> NetworkFigures:
    """The participants' ties started by the end of ``period``, anonymised (see the module)."""
    participants = set(participants)
    ties = tie_years(participants, period.last_day)
    labels = {
        ("organisation", pk): label for pk, label in organisation_labels(participants).items()
    }
    numbered = defaultdict(int)
    # Partners are numbered per kind in the order of their first tie, then their participant.
    ordered = sorted(
        ties.items(), key=lambda item: (item[1][0], [labels.get(p, "") for p in item[0]])
    )
    for (one, other), (_year, kind) in ordered:
        for party in (one, other):
            if party not in labels:
                numbered[kind] += 1
                labels[party] = f"{_kind_label(kind)} {numbered[kind]}"
    figures = NetworkFigures(participants=len(participants))
    for (one, other), (year, kind) in ordered:
        participant, partner = (one, other) if _is_participant(one, participants) else (other, one)
        figures.ties.append(Tie(labels[participant], labels[partner], kind, year))
    _counts(figures, period)
    _picture(figures, participants, labels)
    return figures


def _kind_label(kind) -> str:
    return capfirst(str(PartnerKind(kind).label))


def _is_participant(party, participants) -> bool:
    return party[0] == "organisation" and party[1] in participants


def _counts(figures, period):
    first = period.calendar_years[0]
    figures.started_before = sum(1 for tie in figures.ties if tie.year < first)
    total = figures.started_before
    for year in period.calendar_years:
        new = sum(1 for tie in figures.ties if tie.year == year)
        total += new
        figures.new_by_year.append((year, new, total))
    figures.by_kind = [
        (_kind_label(kind), n)
        for kind in KINDS
        if (n := sum(1 for tie in figures.ties if tie.kind == kind))
    ]
    figures.participants_with_ties = len(_participants_in(figures.ties))


def _participants_in(ties) -> set:
    """The labels of the participants on either side of ``ties``."""
    return {tie.participant for tie in ties} | {
        tie.partner for tie in ties if tie.kind == PartnerKind.PARTICIPANT
    }


def _picture(figures, participants, labels):
    """Nodes: every participant with a tie (group 0), then the partners by kind."""
    kinds = [kind for kind in KINDS[1:] if any(tie.kind == kind for tie in figures.ties)]
    figures.groups = [_("Participants"), *(_kind_label(kind) for kind in kinds)]
    index = {}
    for label in sorted(_participants_in(figures.ties), key=lambda label: (len(label), label)):
        index[label] = len(figures.nodes)
        figures.nodes.append((label, 0))
    for group, kind in enumerate(kinds, start=1):
        for tie in figures.ties:
            if tie.kind == kind and tie.partner not in index:
                index[tie.partner] = len(figures.nodes)
                figures.nodes.append((tie.partner, group))
    figures.edges = [(index[tie.participant], index[tie.partner]) for tie in figures.ties]
