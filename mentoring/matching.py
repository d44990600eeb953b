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

from dataclasses import dataclass, field

from django.db.models import Count, Q, prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mentoring.models import LIVE_STATUSES, MentorOffer
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


@dataclass
class Suggestion:
    offer: MentorOffer
    score: int = 0
    reasons: list = field(default_factory=list)

    @property
    def mentor(self):
        return self.offer.organisation

    def add(self, points: int, reason: str):
        self.score += points
        self.reasons.append(reason)


def _names(items) -> str:
    return ", ".join(str(item) for item in items)


def _codes(items) -> set:
    return {item.pk for item in items}


def score(offer, participant, needs, free_places) -> Suggestion:
    """Score one mentor's offer for one participant (``needs``: the competence areas wanted)."""
    suggestion = Suggestion(offer)
    offered = [area for area in needs if area.pk in _codes(offer.competence_areas.all())]
    if offered:
        suggestion.add(
            WEIGHTS["competence"] * len(offered),
            _("Can help with %(areas)s") % {"areas": _names(offered)},
        )
    groups = [
        g for g in participant.target_groups.all() if g.pk in _codes(offer.target_groups.all())
    ]
    if groups:
        suggestion.add(
            WEIGHTS["target_group"] * len(groups),
            _("Knows the same target groups: %(groups)s") % {"groups": _names(groups)},
        )
    wished = [
        g
        for g in participant.target_groups.all()
        if g.pk in _codes(offer.wished_target_groups.all())
    ]
    if wished:
        suggestion.add(
            WEIGHTS["wish"] * len(wished),
            _("Wished to mentor organisations working with %(groups)s")
            % {"groups": _names(wished)},
        )
    _score_place(suggestion, offer, participant)
    languages = [
        language
        for language in participant.languages.all()
        if language.code != NORWEGIAN and language.pk in _codes(offer.languages.all())
    ]
    if languages:
        suggestion.add(
            WEIGHTS["language"] * len(languages),
            _("Speaks %(languages)s") % {"languages": _names(languages)},
        )
    if (
        participant.member_based is not None
        and participant.member_based == offer.organisation.member_based
    ):
        suggestion.add(
            WEIGHTS["same_type"],
            _("Also member-based") if participant.member_based else _("Also not member-based"),
        )
    if free_places > 0:
        suggestion.add(
            WEIGHTS["free_capacity"],
            ngettext("Has room for %(n)d more", "Has room for %(n)d more", free_places)
            % {"n": free_places},
        )
    else:
        suggestion.add(WEIGHTS["full"], _("Has no free places"))
    return suggestion


def _score_place(suggestion, offer, participant):
    mentor = offer.organisation
    region = REGION_OF_COUNTY.get(participant.county)
    if participant.county and participant.county == mentor.county:
        suggestion.add(
            WEIGHTS["same_county"],
            _("In the same county (%(county)s)") % {"county": participant.get_county_display()},
        )
    elif region and region == REGION_OF_COUNTY.get(mentor.county):
        suggestion.add(
            WEIGHTS["same_region"], _("In the same region (%(region)s)") % {"region": region.label}
        )
    elif region and region in offer.regions:
        suggestion.add(WEIGHTS["same_region"], _("Covers %(region)s") % {"region": region.label})


def suggest_mentors(participant) -> list[Suggestion]:
    """Every mentor organisation with an offer, scored for ``participant``, best first."""
    offers = (
        MentorOffer.objects.select_related("organisation")
        .prefetch_related("competence_areas", "target_groups", "wished_target_groups", "languages")
        .annotate(
            taken=Count(
                "organisation__mentor_pairings__members",
                filter=Q(organisation__mentor_pairings__status__in=LIVE_STATUSES),
            )
        )
    )
    # The participant's lists are read once, not once per mentor.
    prefetch_related_objects([participant], "target_groups", "languages")
    needs = list(participant.competence_needs.all())
    suggestions = [
        score(offer, participant, needs, offer.capacity - offer.taken) for offer in offers
    ]
    return sorted(suggestions, key=lambda s: (-s.score, s.mentor.name, s.mentor.pk))
