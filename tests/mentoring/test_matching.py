"""Suggested mentors (mentoring/matching.py): each factor's points exactly as the WEIGHTS table
says, the reasons in words, the order, determinism, capacity, and a constant number of queries.

The participant looking for a mentor ("Søker") is in Oslo (Eastern Norway), member-based, works
with minority women and youth, speaks Norwegian, Arabic and Somali, and wants help with
accounts, strategy and board work. A mentor "far away" (Finnmark, covering no region, of unknown
type, with one free place) has nothing in common with it but the free place: 3 points.
"""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from mentoring import services
from mentoring.matching import WEIGHTS, suggest_mentors
from mentoring.models import PairingStatus
from organisations import services as organisation_services
from organisations.models import CompetenceArea, Language, Organisation
from tests import factories

W = WEIGHTS
FREE = W["free_capacity"]


def areas(*codes):
    return list(CompetenceArea.objects.filter(code__in=codes))


@pytest.fixture
def groups(db):
    return {
        code: factories.TargetGroupFactory(code=code, name_nb=nb, name_en=en)
        for code, nb, en in [
            ("women", "Minoritetskvinner", "Minority women"),
            ("youth", "Ungdom med innvandrerbakgrunn", "Youth with immigrant background"),
            ("families", "Barnefamilier", "Families with children"),
        ]
    }


@pytest.fixture
def languages(db):
    return {
        code: Language.objects.create(code=code, name_nb=nb, name_en=en)
        for code, nb, en in [
            ("no", "Norsk", "Norwegian"),
            ("ar", "Arabisk", "Arabic"),
            ("so", "Somali", "Somali"),
            ("pl", "Polsk", "Polish"),
        ]
    }


@pytest.fixture
def seeker(caseworker, groups, languages):
    participant = factories.OrganisationFactory(
        kind="participant", name="Søker", county="03", member_based=True
    )
    return organisation_services.update_profile(
        caseworker,
        participant,
        target_groups=[groups["women"], groups["youth"]],
        languages=[languages["no"], languages["ar"], languages["so"]],
        competence_needs=areas("accounts", "strategy", "board-work"),
    )


@pytest.fixture
def make_mentor(caseworker):
    def make(name="Langt unna", county="56", member_based=None, capacity=1, **offer):
        organisation = factories.OrganisationFactory(
            kind="mentor", name=name, county=county, member_based=member_based
        )
        services.save_offer(caseworker, organisation, capacity=capacity, **offer)
        return organisation

    return make


def suggestion(participant, mentor):
    participant = Organisation.objects.get(pk=participant.pk)
    with translation.override("en"):
        [found] = [s for s in suggest_mentors(participant).shown if s.mentor == mentor]
        return SimpleNamespace(mentor=found.mentor, score=found.score, reasons=found.reasons)


README = Path(__file__).resolve().parents[2] / "README.md"
# How README.md's design section words each weight: "<points> <words>".
WEIGHT_WORDS = {
    "competence": "per competence wanted and offered",
    "target_group": "per shared target group",
    "wish": "per wished target group",
    "same_county": "for the same county",
    "same_region": "for the same or a covered region",
    "language": "per shared language",
    "same_type": "for the same type",
    "free_capacity": "for a free place",
    "full": "when the mentor is full",
}


def documented_weights() -> dict:
    """The weights as README.md's paragraph on matching states them."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    paragraph = text[text.index("**Matching**") :].split("- **", 1)[0]
    weights = {}
    for name, words in WEIGHT_WORDS.items():
        found = re.search(rf"(-?\d+) {re.escape(words)}", paragraph)
        assert found, f"README.md does not give the weight {words!r}"
        weights[name] = int(found.group(1))
    return weights


def test_the_weights_are_the_documented_ones():
    """README.md documents the weights: the code uses the same numbers."""
    assert documented_weights() == WEIGHTS


def test_a_mentor_with_nothing_in_common_but_room(seeker, make_mentor):
    found = suggestion(seeker, make_mentor())
    assert found.score == FREE
    assert found.reasons == ["Has room for 1 more"]


@pytest.mark.parametrize(
    "setup, points, reason",
    [
        (
            lambda g, lang: {"competence_areas": areas("accounts", "board-work", "privacy")},
            2 * W["competence"],
            "Can help with Accounts and finances, Board work",
        ),
        (
            lambda g, lang: {"competence_areas": areas("strategy")},
            W["competence"],
            "Can help with Strategy and organisational development",
        ),
        (
            lambda g, lang: {"target_groups": [g["youth"], g["families"]]},
            W["target_group"],
            "Knows the same target groups: Youth with immigrant background",
        ),
        (
            lambda g, lang: {"target_groups": [g["youth"], g["women"]]},
            2 * W["target_group"],
            "Knows the same target groups: Minority women, Youth with immigrant background",
        ),
        (
            lambda g, lang: {"wished_target_groups": [g["women"], g["families"]]},
            W["wish"],
            "Wished to mentor organisations working with Minority women",
        ),
        (
            lambda g, lang: {"county": "03"},
            W["same_county"],
            "In the same county (Oslo)",
        ),
        (
            lambda g, lang: {"county": "03", "regions": ["east"]},
            W["same_county"],
            "In the same county (Oslo)",
        ),
        (
            lambda g, lang: {"county": "32"},
            W["same_region"],
            "In the same region (Eastern Norway)",
        ),
        (
            lambda g, lang: {"county": "46", "regions": ["west", "east"]},
            W["same_region"],
            "Covers Eastern Norway",
        ),
        (
            lambda g, lang: {"languages": [lang["no"], lang["ar"], lang["pl"]]},
            W["language"],
            "Speaks Arabic",
        ),
        (
            lambda g, lang: {"languages": [lang["ar"], lang["so"]]},
            2 * W["language"],
            "Speaks Arabic, Somali",
        ),
        (
            lambda g, lang: {"member_based": True},
            W["same_type"],
            "Also member-based",
        ),
    ],
    ids=[
        "competence",
        "one competence",
        "target group",
        "two target groups",
        "wish",
        "same county",
        "same county beats covered region",
        "same region",
        "covered region",
        "language besides Norwegian",
        "two languages",
        "same type",
    ],
)
def test_each_factor_scores_its_weight(
    seeker, make_mentor, groups, languages, setup, points, reason
):
    found = suggestion(seeker, make_mentor(**setup(groups, languages)))
    assert found.score == FREE + points
    assert found.reasons == [reason, "Has room for 1 more"]


@pytest.mark.parametrize(
    "setup",
    [
        lambda g, lang: {"county": "46"},  # Western Norway, not covering the east
        lambda g, lang: {"county": "46", "regions": ["west", "north"]},
        lambda g, lang: {"languages": [lang["no"]]},  # Norwegian does not count
        lambda g, lang: {"member_based": False},
        lambda g, lang: {"competence_areas": areas("privacy", "volunteers")},
        lambda g, lang: {"target_groups": [g["families"]], "wished_target_groups": [g["families"]]},
        lambda g, lang: {"wishes": "Gjerne ungdom og kvinner."},  # free text is for people
    ],
    ids=[
        "other region",
        "covers other regions",
        "only Norwegian",
        "other type",
        "other competence",
        "other groups",
        "wishes in words",
    ],
)
def test_what_does_not_match_scores_nothing(seeker, make_mentor, groups, languages, setup):
    found = suggestion(seeker, make_mentor(**setup(groups, languages)))
    assert found.score == FREE
    assert found.reasons == ["Has room for 1 more"]


def test_not_member_based_on_both_sides(caseworker, seeker, make_mentor):
    organisation_services.update_profile(caseworker, seeker, member_based=False)
    found = suggestion(seeker, make_mentor(member_based=False))
    assert found.score == FREE + W["same_type"]
    assert found.reasons == ["Also not member-based", "Has room for 1 more"]


def test_unknown_type_or_place_scores_nothing(caseworker, seeker, make_mentor):
    organisation_services.update_profile(caseworker, seeker, member_based=None, county="")
    found = suggestion(seeker, make_mentor(member_based=None, county="", regions=["east"]))
    assert found.score == FREE
    found = suggestion(seeker, make_mentor(name="Også ukjent", member_based=None, county=""))
    assert found.score == FREE


def test_free_places_and_a_full_mentor(seeker, make_mentor):
    roomy = suggestion(seeker, make_mentor(name="Romslig", capacity=3))
    assert roomy.score == W["free_capacity"]
    assert roomy.reasons == ["Has room for 3 more"]
    full = suggestion(seeker, make_mentor(name="Full", capacity=0))
    assert full.score == W["full"]
    assert full.reasons == ["Has no free places"]


def test_every_factor_adds_up(seeker, make_mentor, groups, languages):
    mentor = make_mentor(
        name="Alt",
        county="03",
        member_based=True,
        capacity=2,
        competence_areas=areas("accounts", "strategy", "board-work"),
        target_groups=[groups["women"], groups["youth"]],
        wished_target_groups=[groups["youth"]],
        languages=[languages["ar"], languages["so"], languages["no"]],
    )
    found = suggestion(seeker, mentor)
    assert found.score == (
        3 * W["competence"]
        + 2 * W["target_group"]
        + W["wish"]
        + W["same_county"]
        + 2 * W["language"]
        + W["same_type"]
        + W["free_capacity"]
    )
    assert found.score == 30 + 10 + 4 + 8 + 6 + 2 + 3
    assert found.reasons == [
        "Can help with Accounts and finances, Strategy and organisational development, Board work",
        "Knows the same target groups: Minority women, Youth with immigrant background",
        "Wished to mentor organisations working with Youth with immigrant background",
        "In the same county (Oslo)",
        "Speaks Arabic, Somali",
        "Also member-based",
        "Has room for 2 more",
    ]


def test_the_reasons_follow_the_language(seeker, make_mentor):
    mentor = make_mentor(competence_areas=areas("accounts"), county="03")
    participant = Organisation.objects.get(pk=seeker.pk)
    with translation.override("nb"):
        [found] = suggest_mentors(participant).shown
        reasons = [str(reason) for reason in found.reasons]
    assert any("Regnskap og økonomi" in reason for reason in reasons)
    assert found.mentor == mentor


# --- order ------------------------------------------------------------------------------------


def test_best_first_and_ties_by_name(seeker, make_mentor):
    beta = make_mentor(name="Beta", competence_areas=areas("accounts"))
    gamma = make_mentor(name="Gamma")
    alfa = make_mentor(name="Alfa", competence_areas=areas("board-work"))
    delta = make_mentor(name="Delta", capacity=0, competence_areas=areas("accounts"))
    best = make_mentor(name="Zulu", competence_areas=areas("accounts", "board-work"))
    with translation.override("en"):
        suggestions = suggest_mentors(Organisation.objects.get(pk=seeker.pk)).shown
    assert [(s.mentor, s.score) for s in suggestions] == [
        (best, 23),
        (alfa, 13),
        (beta, 13),
        (gamma, 3),
        (delta, -10),
    ]


def test_the_same_data_gives_the_same_list(seeker, make_mentor, groups):
    for name in ["Ca", "Ab", "Bc", "Ab"]:  # two mentors with the same name
        make_mentor(name=name, target_groups=[groups["youth"]])
    make_mentor(name="Ø", county="03")

    def listing():
        with translation.override("en"):
            return [
                (s.mentor.pk, s.score, [str(r) for r in s.reasons])
                for s in suggest_mentors(Organisation.objects.get(pk=seeker.pk)).shown
            ]

    first = listing()
    assert listing() == first
    names = [Organisation.objects.get(pk=pk).name for pk, _score, _reasons in first]
    assert names == ["Ø", "Ab", "Ab", "Bc", "Ca"]
    # Equal names fall back to the order the mentors were created in.
    assert first[1][0] < first[2][0]


def test_mentors_without_an_offer_are_not_suggested(seeker, make_mentor):
    factories.OrganisationFactory(kind="mentor", name="Uten tilbud")
    offered = make_mentor()
    ranking = suggest_mentors(Organisation.objects.get(pk=seeker.pk))
    assert [s.mentor for s in ranking.shown] == [offered]
    assert ranking.total == 1


# --- capacity taken by live pairings -------------------------------------------------------------


@pytest.fixture
def busy(caseworker, scheme_year, make_mentor):
    """A mentor with room for one, paired with another participant."""
    mentor = make_mentor(name="Opptatt", capacity=1)
    other = factories.OrganisationFactory(kind="participant")
    pairing = services.create_pairing(
        caseworker,
        scheme_year.scheme,
        mentor,
        [other],
        starts_on=timezone.localdate(),
    )
    return pairing


def test_a_mentor_whose_places_are_taken_is_penalised(seeker, busy):
    found = suggestion(seeker, busy.mentor)
    assert found.score == W["full"]
    assert found.reasons == ["Has no free places"]


def test_a_paused_pairing_still_takes_its_place(caseworker, seeker, busy):
    services.set_status(caseworker, busy, PairingStatus.PAUSED)
    assert suggestion(seeker, busy.mentor).score == W["full"]


def test_an_ended_pairing_frees_the_place(caseworker, seeker, busy):
    services.set_status(caseworker, busy, PairingStatus.ENDED, reason="Slutt.")
    found = suggestion(seeker, busy.mentor)
    assert found.score == FREE
    assert found.reasons == ["Has room for 1 more"]


def test_a_replaced_pairing_frees_the_old_mentors_place(caseworker, seeker, busy, make_mentor):
    new_mentor = make_mentor(name="Ny", capacity=1)
    services.replace_mentor(caseworker, busy, new_mentor, reason="Bytte.")
    assert suggestion(seeker, busy.mentor).score == FREE
    assert suggestion(seeker, new_mentor).score == W["full"]


def test_each_participant_in_a_group_takes_a_place(caseworker, scheme_year, seeker, make_mentor):
    mentor = make_mentor(name="Gruppe", capacity=3)
    others = [factories.OrganisationFactory(kind="participant") for _ in range(2)]
    services.create_pairing(caseworker, scheme_year.scheme, mentor, others)
    found = suggestion(seeker, mentor)
    assert found.reasons == ["Has room for 1 more"]
    # Counting the places over the pairings' members counts each offer still once.
    assert suggest_mentors(Organisation.objects.get(pk=seeker.pk)).total == 1


# --- queries ----------------------------------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_mentors(
    caseworker, scheme_year, seeker, make_mentor, groups, languages
):
    def mentor(name):
        organisation = make_mentor(
            name=name,
            county="32",
            member_based=True,
            capacity=2,
            competence_areas=areas("accounts", "board-work"),
            target_groups=[groups["youth"]],
            wished_target_groups=[groups["women"]],
            languages=[languages["ar"]],
        )
        other = factories.OrganisationFactory(kind="participant")
        services.create_pairing(caseworker, scheme_year.scheme, organisation, [other])
        return organisation

    def queries():
        participant = Organisation.objects.get(pk=seeker.pk)
        with CaptureQueriesContext(connection) as context, translation.override("en"):
            suggestions = suggest_mentors(participant).shown
            for s in suggestions:
                [str(reason) for reason in s.reasons]
        return len(context.captured_queries), len(suggestions)

    for index in range(2):
        mentor(f"Mentor {index}")
    few, count = queries()
    assert count == 2
    for index in range(2, 8):
        mentor(f"Mentor {index}")
    many, count = queries()
    assert count == 8
    assert many == few, f"{few} queries for 2 mentors, {many} for 8"
    assert few <= 8


def test_each_fact_is_written_once_into_the_ranking(seeker, make_mentor):
    """The times, the score and the reasons read the facts as columns of one subquery of the
    offers: each list's item is looked up once per offer, not once per column that counts it."""
    make_mentor(name="Nær", county="03", competence_areas=areas("accounts"))
    participant = Organisation.objects.get(pk=seeker.pk)
    with CaptureQueriesContext(connection) as context:
        [found] = suggest_mentors(participant).shown
    assert found.score > 0
    [ranking] = [q["sql"] for q in context.captured_queries if "competence_areas" in q["sql"]]
    # Three competence needs, two target groups (known and wished), two languages besides
    # Norwegian: one lookup each.
    assert ranking.count('FROM "mentoring_mentoroffer_competence_areas"') == 3
    assert ranking.count('FROM "mentoring_mentoroffer_target_groups"') == 2
    assert ranking.count('FROM "mentoring_mentoroffer_wished_target_groups"') == 2
    assert ranking.count('FROM "mentoring_mentoroffer_languages"') == 2
