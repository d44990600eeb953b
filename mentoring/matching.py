"""Suggested mentor organisations for a participant, best first, with the reasons in words.

The score is a sum of points; the weights live here and nowhere else:

| what | points |
| --- | --- |
| each competence the participant wants that the mentor offers | 10 |
| each target group both work with | 5 |
| each target group the mentor wished for that the participant has | 4 |
| same county / same region, or else the mentor covers the participant's region | 8 / 4 |
| each language in common besides Norwegian | 3 |
| same type of organisation (member-based or not) | 2 |
| the mentor has room for one more | 3 |
| the mentor is full | -20 |

Ties are broken by name (in the database's collation), so the order is always the same for the
same data.

The database scores and orders every offer and returns only the best (``_ranked``): for each
weight, how many times it counts for an offer (``_times``, the rule's one definition), from
what the rule reads of the offer (its lists, whether it is full and whether it covers the
participant's region, ``_facts``, worked out once per offer in a subquery of the offers,
``_FactsTable``, however often the times, the score and the reasons read them; where the
mentor is, ``_place``). The reasons of the suggestions returned are put together from those
same columns; no offer is scored in Python. The SQL follows from the participant's ``Terms``
alone, so it is built once for them (``_ranked_page``).
"""

from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Expression,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Contains
from django.db.models.sql.datastructures import BaseTable
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from mentoring.models import LIVE_STATUSES, MentorOffer, PairingMember
from organisations.geography import REGION_OF_COUNTY
from scheme.compiled import kept

WEIGHTS = {
    "competence": 10,
    "target_group": 5,
    "wish": 4,
    "same_county": 8,
    "same_region": 4,
    "language": 3,
    "same_type": 2,
    "free_capacity": 3,
    "full": -20,
}
NORWEGIAN = "no"
# The reasons, made once: they are put in words only for the suggestions shown.
REASONS = {
    "competence": _("Can help with %(areas)s"),
    "target_group": _("Knows the same target groups: %(groups)s"),
    "wish": _("Wished to mentor organisations working with %(groups)s"),
    "same_county": _("In the same county (%(county)s)"),
    "same_region": _("In the same region (%(region)s)"),
    "covers_region": _("Covers %(region)s"),
    "language": _("Speaks %(languages)s"),
    "same_type": _("Also member-based"),
    "other_type": _("Also not member-based"),
    "free_capacity": ngettext_lazy("Has room for %(n)d more", "Has room for %(n)d more", "n"),
    "full": _("Has no free places"),
}
# The weights that count the items of an offer's list the participant has too: the offer's
# list, the participant's (a field of Wants) and the reason's placeholder.
LISTS = {
    "competence": ("competence_areas", "needs", "areas"),
    "target_group": ("target_groups", "groups", "groups"),
    "wish": ("wished_target_groups", "groups", "groups"),
    "language": ("languages", "languages", "languages"),
}
# Best first; ties by name, then by the order the mentors were made, so the order is always
# the same for the same data.
ORDER = ("-score", "organisation__name", "organisation_id")


@dataclass
class Wants:
    """The participant's side, read once (its lists best prefetched)."""

    participant: object
    needs: list  # the competence areas wanted
    groups: list  # its target groups
    languages: list  # besides Norwegian

    @classmethod
    def of(cls, participant):
        return cls(
            participant,
            needs=list(participant.competence_needs.all()),
            groups=list(participant.target_groups.all()),
            languages=[lang for lang in participant.languages.all() if lang.code != NORWEGIAN],
        )

    def items(self, weight) -> list:
        """The participant's items that ``weight`` (one of LISTS) looks for on the offers."""
        return getattr(self, LISTS[weight][1])

    @property
    def terms(self) -> "Terms":
        return Terms(
            self.participant.county,
            self.participant.member_based,
            tuple((weight, tuple(item.pk for item in self.items(weight))) for weight in LISTS),
        )


@dataclass(frozen=True)
class Terms:
    """What the ranking's SQL follows from (``Wants`` without its names): the ranking of
    the same terms is kept (``_ranked_page``)."""

    county: str
    member_based: bool | None
    lists: tuple  # (weight, ids of the participant's items) for each of LISTS

    def ids(self, weight) -> tuple:
        return dict(self.lists)[weight]


@dataclass
class Suggestion:
    offer: MentorOffer  # with the annotations of ``_ranked``
    rank: int  # 1 for the best
    because: list = field(default_factory=list)  # (message, its values), put in words on use

    @property
    def mentor(self):
        return self.offer.organisation

    @property
    def score(self) -> int:
        return self.offer.score

    @property
    def reasons(self) -> list[str]:
        """The reasons in words; only the suggestions shown are ever put in words."""
        return [
            str(message % values) if values else str(message) for message, values in self.because
        ]


@dataclass
class Ranking:
    shown: list  # the best suggestions (Suggestion), best first, with their reasons
    total: int  # how many mentors have an offer


def _flag(weight, pk) -> str:
    return f"has_{weight}_{pk}"


def _has(weight, pk):
    """1 when the offer has item ``pk`` on the list ``weight`` counts, else 0: a subquery that
    does not depend on the offer, so the database reads it once (hashed), not per offer."""
    field = MentorOffer._meta.get_field(LISTS[weight][0])
    offers = field.remote_field.through.objects.filter(
        **{f"{field.m2m_reverse_field_name()}_id": pk}
    ).values(f"{field.m2m_field_name()}_id")
    return Case(When(pk__in=offers, then=1), default=0)


def _place(terms):
    """Which of the place's reasons the offer has ("" for none): the first that holds."""
    county = terms.county
    region = REGION_OF_COUNTY.get(county)
    places = []
    if county:
        places.append(When(organisation__county=county, then=Value("same_county")))
    if region:
        counties = [c for c, r in REGION_OF_COUNTY.items() if r == region]
        places += [
            When(organisation__county__in=counties, then=Value("same_region")),
            When(covers_region=1, then=Value("covers_region")),
        ]
    return Case(*places, default=Value(""))


def _covers_region(terms):
    """1 when the offer covers the participant's region, else 0 (always 0 without one)."""
    region = REGION_OF_COUNTY.get(terms.county)
    if not region:
        return Value(0)
    # The JSON list as text, as SQLite has no JSON containment; codes are whole words.
    covers = Contains(Cast("regions", TextField()), f'"{region.value}"')
    return Case(When(covers, then=1), default=0)


def _taken():
    """The places each mentor's live pairings take, one per participant: from the few live
    pairings, grouped by mentor."""
    live = PairingMember.objects.filter(pairing__status__in=LIVE_STATUSES)
    return live.values("pairing__mentor").annotate(taken=Count("pk"))


def _is_full():
    """1 when the offer has no free place, else 0: a subquery that does not depend on the
    offer, so the database reads it once (hashed) and the score needs no grouping of the
    offers."""
    capacity = MentorOffer.objects.filter(organisation=OuterRef("pairing__mentor"))
    full = _taken().filter(taken__gte=Subquery(capacity.values("capacity")))
    return Case(
        When(Q(capacity=0) | Q(organisation__in=full.values("pairing__mentor")), then=1),
        default=0,
    )


def _free_places():
    """The offer's capacity less the places taken: a subquery per offer, which the database
    computes only for the suggestions returned, as no order or score reads it."""
    taken = _taken().filter(pairing__mentor=OuterRef("organisation"))
    return F("capacity") - Coalesce(Subquery(taken.values("taken")), 0)


def _facts(terms) -> dict:
    """What the rule reads of each offer in other tables, as SQL subqueries: which of the
    participant's items each list has and whether the mentor is full; and whether it covers
    the participant's region (its list of regions read as text, costly enough to do once)."""
    facts = {_flag(weight, pk): _has(weight, pk) for weight in LISTS for pk in terms.ids(weight)}
    return facts | {"full": _is_full(), "covers_region": _covers_region(terms)}


class _FactsTable(BaseTable):
    """The offers' table of the ranking, with their facts as columns: ``(SELECT offer.*,
    <facts> FROM offer ... ORDER BY id) mentoring_mentoroffer``. Read as columns, each fact is
    worked out once per offer; written into the times, the score and the reasons, the database
    would work it out each time (some thirty hashed subqueries per offer instead of ten). The
    order keeps the database from folding the subquery into the outer query, which would write
    the facts in again."""

    def __init__(self, facts, alias):
        super().__init__(MentorOffer._meta.db_table, alias)
        self.facts = facts  # the Query of the offers with their facts

    def as_sql(self, compiler, connection):
        sql, params = self.facts.get_compiler(connection=connection).as_sql()
        return f"({sql}) {connection.ops.quote_name(self.table_alias)}", params

    def relabeled_clone(self, change_map):
        return self.__class__(self.facts, change_map.get(self.table_alias, self.table_alias))


class _Fact(Expression):
    """A fact of the offer: a column of ``_FactsTable``."""

    contains_column_references = True

    def __init__(self, name, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        return f"{table}.{connection.ops.quote_name(self.name)}", []


def _with_facts(terms):
    """Every offer with its facts (``_facts``), each worked out once (``_FactsTable``)."""
    facts = MentorOffer.objects.annotate(**_facts(terms)).order_by("pk").query
    offers = MentorOffer.objects.all()
    alias = offers.query.get_initial_alias()
    offers.query.alias_map[alias] = _FactsTable(facts, alias)
    columns = {name: _Fact(name, fact.output_field) for name, fact in facts.annotations.items()}
    return offers.annotate(**columns)


def _times(terms) -> dict:
    """The rule: how many times each weight counts for an offer, from its facts."""
    member_based = terms.member_based
    times = {
        weight: sum((F(_flag(weight, pk)) for pk in terms.ids(weight)), start=Value(0))
        for weight in LISTS
    }
    times |= {
        "same_county": Case(When(place="same_county", then=1), default=0),
        "same_region": Case(When(place__in=["same_region", "covers_region"], then=1), default=0),
        "same_type": Value(0)
        if member_based is None
        else Case(When(organisation__member_based=member_based, then=1), default=0),
        "free_capacity": 1 - F("full"),
        "full": F("full"),
    }
    return {f"times_{weight}": times[weight] for weight in WEIGHTS}


def _offers():
    """How many offers there are: a subquery the database reads once, which (unlike a
    window over the rows) lets it work out the columns not scored only for the rows
    returned."""
    return Subquery(MentorOffer.objects.order_by().values(n=Func(F("pk"), function="COUNT")))


def _ranked(terms):
    """Every offer with its facts, place, free places, times per weight and score, best
    first; ``total``: the number of offers."""
    score = sum((WEIGHTS[weight] * F(f"times_{weight}") for weight in WEIGHTS), start=Value(0))
    return (
        _with_facts(terms)
        .select_related("organisation")
        # Not the mentor organisations' long texts, which no score or suggestion reads.
        .defer("organisation__description", "organisation__social_media")
        # Where the mentor is: read from the row (no subquery), cheaper written into the times
        # again than read from the facts, which would join the organisations twice.
        .annotate(place=_place(terms), free=_free_places())
        .annotate(**_times(terms))
        .annotate(score=score, total=_offers())
        .order_by(*ORDER)
    )


@kept
def _ranked_page(terms, offset, limit):
    """``_ranked`` from the ``offset``-th, at most ``limit`` (all with None)."""
    return _ranked(terms)[offset : offset + limit if limit else None]


def _names(items) -> str:
    return ", ".join(str(item) for item in items)


def _reason(weight, offer, wants) -> tuple:
    """Why ``weight`` counts for ``offer``: the message and its values, from the offer's
    columns and the participant's names."""
    participant = wants.participant
    if weight in LISTS:
        items = [item for item in wants.items(weight) if getattr(offer, _flag(weight, item.pk))]
        return REASONS[weight], {LISTS[weight][2]: _names(items)}
    if weight == "same_county":
        return REASONS[weight], {"county": participant.get_county_display()}
    if weight == "same_region":
        return REASONS[offer.place], {"region": REGION_OF_COUNTY[participant.county].label}
    if weight == "same_type":
        return REASONS["same_type" if participant.member_based else "other_type"], {}
    return REASONS[weight], ({"n": offer.free} if weight == "free_capacity" else {})


def suggest_mentors(participant, limit=None, offset=0) -> Ranking:
    """The mentor organisations with an offer for ``participant``, best first, from the
    ``offset``-th (0: the best) and at most ``limit`` of them (all with None), with their
    reasons."""
    wants = Wants.of(participant)
    offers = list(_ranked_page(wants.terms, offset, limit))
    shown = [
        Suggestion(
            offer,
            rank=offset + number,
            because=[_reason(w, offer, wants) for w in WEIGHTS if getattr(offer, f"times_{w}")],
        )
        for number, offer in enumerate(offers, start=1)
    ]
    return Ranking(shown, offers[0].total if offers else 0)
