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

Ties are broken by name, so the order is always the same for the same data.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from mentoring.models import LIVE_STATUSES, MentorOffer, PairingMember
from organisations.geography import REGION_OF_COUNTY

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


@dataclass
class Suggestion:
    offer: MentorOffer
    score: int = 0
    because: list = field(default_factory=list)  # (message, its values), put in words on use

    @property
    def mentor(self):
        return self.offer.organisation

    @property
    def reasons(self) -> list[str]:
        """The reasons in words; only the suggestions shown are ever put in words."""
        return [
            str(message % values) if values else str(message) for message, values in self.because
        ]

    def add(self, points: int, message, **values):
        self.score += points
        self.because.append((message, values))


def _names(items) -> str:
    return ", ".join(str(item) for item in items)


LISTS = ("competence_areas", "target_groups", "wished_target_groups", "languages")


def _listed_ids() -> dict:
    """For each list on the offers (LISTS): offer id -> the ids on it. One query of id pairs
    (a union of one select per list; the names in the reasons come from the participant's
    side), much cheaper than building every related object of every offer."""
    listed = {name: defaultdict(set) for name in LISTS}
    selects = []
    for number, name in enumerate(LISTS):
        field = MentorOffer._meta.get_field(name)
        offer_id, item_id = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        selects.append(
            field.remote_field.through.objects.order_by()
            .annotate(list=Value(number, output_field=IntegerField()))
            .values_list("list", offer_id, item_id)
        )
    for number, offer, item in selects[0].union(*selects[1:], all=True):
        listed[LISTS[number]][offer].add(item)
    return listed


@dataclass
class Wants:
    """The participant's lists, read once for all the offers."""

    needs: list  # the competence areas wanted
    groups: list  # its target groups
    languages: list  # besides Norwegian


def score(offer, participant, wants, free_places, listed) -> Suggestion:
    """Score one mentor's offer for one participant (``listed``: the ids on the offers' lists,
    from ``_listed_ids``)."""

    def on_offer(name):
        return listed[name].get(offer.pk, set())

    suggestion = Suggestion(offer)
    offered = [area for area in wants.needs if area.pk in on_offer("competence_areas")]
    if offered:
        suggestion.add(
            WEIGHTS["competence"] * len(offered),
            REASONS["competence"],
            areas=_names(offered),
        )
    groups = [g for g in wants.groups if g.pk in on_offer("target_groups")]
    if groups:
        suggestion.add(
            WEIGHTS["target_group"] * len(groups),
            REASONS["target_group"],
            groups=_names(groups),
        )
    wished = [g for g in wants.groups if g.pk in on_offer("wished_target_groups")]
    if wished:
        suggestion.add(
            WEIGHTS["wish"] * len(wished),
            REASONS["wish"],
            groups=_names(wished),
        )
    _score_place(suggestion, offer, participant)
    languages = [language for language in wants.languages if language.pk in on_offer("languages")]
    if languages:
        suggestion.add(
            WEIGHTS["language"] * len(languages),
            REASONS["language"],
            languages=_names(languages),
        )
    if (
        participant.member_based is not None
        and participant.member_based == offer.organisation.member_based
    ):
        suggestion.add(
            WEIGHTS["same_type"],
            REASONS["same_type" if participant.member_based else "other_type"],
        )
    if free_places > 0:
        suggestion.add(
            WEIGHTS["free_capacity"],
            REASONS["free_capacity"],
            n=free_places,
        )
    else:
        suggestion.add(WEIGHTS["full"], REASONS["full"])
    return suggestion


def _score_place(suggestion, offer, participant):
    mentor = offer.organisation
    region = REGION_OF_COUNTY.get(participant.county)
    if participant.county and participant.county == mentor.county:
        suggestion.add(
            WEIGHTS["same_county"],
            REASONS["same_county"],
            county=participant.get_county_display(),
        )
    elif region and region == REGION_OF_COUNTY.get(mentor.county):
        suggestion.add(WEIGHTS["same_region"], REASONS["same_region"], region=region.label)
    elif region and region in offer.regions:
        suggestion.add(WEIGHTS["same_region"], REASONS["covers_region"], region=region.label)


def suggest_mentors(participant) -> list[Suggestion]:
    """Every mentor organisation with an offer, scored for ``participant``, best first."""
    # The places taken: a subquery per offer, not a join over every pairing's members.
    taken = (
        PairingMember.objects.filter(
            pairing__mentor=OuterRef("organisation_id"), pairing__status__in=LIVE_STATUSES
        )
        .order_by()
        .values("pairing__mentor")
        .annotate(n=Count("pk"))
        .values("n")
    )
    offers = (
        MentorOffer.objects.select_related("organisation")
        # Not the mentor organisations' long texts, which no score or suggestion reads.
        .defer("organisation__description", "organisation__social_media")
        .annotate(taken=Coalesce(Subquery(taken, output_field=IntegerField()), 0))
    )
    listed = _listed_ids()
    wants = Wants(
        needs=list(participant.competence_needs.all()),
        groups=list(participant.target_groups.all()),
        languages=[lang for lang in participant.languages.all() if lang.code != NORWEGIAN],
    )
    suggestions = [
        score(offer, participant, wants, offer.capacity - offer.taken, listed) for offer in offers
    ]
    return sorted(suggestions, key=lambda s: (-s.score, s.mentor.name, s.mentor.pk))
