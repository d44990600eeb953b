"""Who sees what in mentoring: ``visible_to`` of pairings, meetings, tasks, flags and
compensation for every role; the confidentiality matrix of meeting notes; and the organisations
a mentoring pairing lets people see."""

import datetime

import pytest
from django.db.models import OuterRef
from django.utils import timezone

from mentoring import services
from mentoring.models import (
    CheckIn,
    Compensation,
    Flag,
    Meeting,
    Pairing,
    PairingStatus,
    Task,
)
from organisations.models import Organisation
from scheme import registry
from scheme.models import SchemeYear
from scheme.queries import JSONRows
from tests import factories
from tests.mentoring.conftest import meet

ROLES = [
    "mentor",
    "member",
    "caseworker",
    "foreign_caseworker",
    "other_member",
    "other_mentor",
    "evaluator",
    "admin_user",
    "unpaired_member",
]


@pytest.fixture
def unpaired_member(db):
    """A person in a participant organisation that has no mentor."""
    return factories.member_of(factories.OrganisationFactory(kind="participant"))


@pytest.fixture
def world(
    caseworker, scheme_year, pairing, mentor, member, participant, mentor_org,
    other_mentor_org, other_mentor, other_participant, other_member,
):  # fmt: skip
    """Two pairings, each with a meeting (notes for the pair only), a task and a flag, and
    compensation for both mentors."""
    today = timezone.localdate()
    other = services.create_pairing(
        caseworker,
        scheme_year.scheme,
        other_mentor_org,
        [other_participant],
        starts_on=today - datetime.timedelta(days=30),
    )
    for pair, mentor_person, participant_org, member_person in [
        (pairing, mentor, participant, member),
        (other, other_mentor, other_participant, other_member),
    ]:
        meet(
            mentor_person,
            pair,
            today - datetime.timedelta(days=1),
            notes="Fortrolig.",
            tasks=[("Gjør noe", participant_org, today)],
        )
        services.raise_flag(member_person, pair, "Det går tregt.")
    for organisation in (mentor_org, other_mentor_org):
        services.set_compensation(caseworker, organisation, scheme_year)
    return {"ours": pairing, "theirs": other}


SEES_PAIRINGS = {
    "mentor": {"ours"},
    "member": {"ours"},
    "caseworker": {"ours", "theirs"},
    # Caseworkers see the cases of the schemes their own body administers, nothing else.
    "foreign_caseworker": set(),
    "other_member": {"theirs"},
    "other_mentor": {"theirs"},
    "evaluator": set(),
    "admin_user": {"ours", "theirs"},
    "unpaired_member": set(),
}


@pytest.mark.parametrize("who", ROLES)
def test_pairings_and_what_belongs_to_them(request, who, world):
    user = request.getfixturevalue(who)
    expected = {world[name].pk for name in SEES_PAIRINGS[who]}
    assert set(Pairing.objects.visible_to(user).values_list("pk", flat=True)) == expected
    for model in (Meeting, Task):
        seen = set(model.objects.visible_to(user).values_list("pairing_id", flat=True))
        assert seen == expected, model.__name__
    # Flags were raised by the participants: the mentors they may be about do not see them.
    flagged = set(Flag.objects.visible_to(user).values_list("pairing_id", flat=True))
    assert flagged == (set() if who in ("mentor", "other_mentor") else expected)
    # No duplicates from the joins through the members.
    assert Pairing.objects.visible_to(user).count() == len(expected)


def test_a_group_pairing_is_seen_by_every_participant_once(group, other_member):
    for person in [group.mentor, *group.members]:
        assert list(Pairing.objects.visible_to(person)) == [group.pairing]
    assert not Pairing.objects.visible_to(other_member).exists()


def test_ended_and_replaced_pairings_stay_visible_to_their_sides(
    caseworker, pairing, mentor, member, other_mentor_org, other_mentor
):
    new = services.replace_mentor(caseworker, pairing, other_mentor_org, reason="Bytte.")
    # The history stays with everyone who took part in it.
    assert set(Pairing.objects.visible_to(member)) == {pairing, new}
    assert set(Pairing.objects.visible_to(mentor)) == {pairing}
    assert set(Pairing.objects.visible_to(other_mentor)) == {new}


SEES_COMPENSATION = {
    "mentor": {"mentor_org"},
    "member": set(),
    "caseworker": {"mentor_org", "other_mentor_org"},
    "foreign_caseworker": set(),
    "other_member": set(),
    "other_mentor": {"other_mentor_org"},
    "evaluator": set(),
    "admin_user": {"mentor_org", "other_mentor_org"},
    "unpaired_member": set(),
}


@pytest.mark.parametrize("who", ROLES)
def test_compensation_is_seen_by_its_mentor_and_caseworkers(request, who, world):
    user = request.getfixturevalue(who)
    expected = {request.getfixturevalue(name).pk for name in SEES_COMPENSATION[who]}
    seen = set(Compensation.objects.visible_to(user).values_list("mentor_id", flat=True))
    assert seen == expected


SEES_CHECK_INS = {
    # Each side reads its own answers: the other side may be what is not working.
    "mentor": {"mentor_org"},
    "member": {"participant"},
    "caseworker": {"mentor_org", "participant"},
    "foreign_caseworker": set(),
    "other_member": set(),
    "other_mentor": set(),
    "evaluator": set(),
    "admin_user": {"mentor_org", "participant"},
    "unpaired_member": set(),
}


@pytest.mark.parametrize("who", ROLES)
def test_a_check_in_is_seen_by_the_organisation_that_answered_and_caseworkers(
    request, who, pairing, mentor, member, other_mentor, other_member
):
    meet(mentor, pairing, timezone.localdate())
    services.answer_check_in(mentor, pairing, "first", good_fit=True)
    services.answer_check_in(member, pairing, "first", good_fit=False, comment="Passer ikke.")
    user = request.getfixturevalue(who)
    expected = {request.getfixturevalue(name).pk for name in SEES_CHECK_INS[who]}
    seen = set(CheckIn.objects.visible_to(user).values_list("organisation_id", flat=True))
    assert seen == expected


# --- the notes of a meeting ----------------------------------------------------------------------

NOTES = {
    # who: (notes for the pair only, notes for the pair and the caseworker)
    "mentor": (True, True),
    "member": (True, True),
    "caseworker": (False, True),
    "foreign_caseworker": (False, False),
    "other_member": (False, False),
    "other_mentor": (False, False),
    "evaluator": (False, False),
    "admin_user": (False, True),
    "unpaired_member": (False, False),
}


@pytest.mark.parametrize("visibility", ["pair", "caseworker"])
@pytest.mark.parametrize("who", ROLES)
def test_who_reads_the_notes(request, who, visibility, pairing, mentor, other_mentor, other_member):
    meeting = meet(
        mentor,
        pairing,
        timezone.localdate(),
        notes="Styret er splittet.",
        notes_visibility=visibility,
    )
    user = request.getfixturevalue(who)
    expected = NOTES[who][visibility == "caseworker"]
    assert Meeting.objects.get(pk=meeting.pk).notes_visible_to(user) is expected


@pytest.mark.parametrize("visibility", ["pair", "caseworker"])
def test_in_a_group_only_those_who_took_part_read_the_notes(
    group, visibility, caseworker, other_member
):
    a, b, c = group.members
    meeting = meet(
        group.mentor,
        group.pairing,
        participants=group.participants[:2],
        notes="Internt.",
        notes_visibility=visibility,
    )
    meeting = Meeting.objects.get(pk=meeting.pk)
    for person in (group.mentor, a, b):
        assert meeting.notes_visible_to(person)
    assert not meeting.notes_visible_to(c)  # in the group, not in the meeting
    assert meeting.notes_visible_to(caseworker) is (visibility == "caseworker")
    assert not meeting.notes_visible_to(other_member)
    # C still sees that the meeting was held.
    assert Meeting.objects.visible_to(c).filter(pk=meeting.pk).exists()


def test_a_group_participant_reads_the_notes_of_the_meeting_it_logged(group):
    a, b, c = group.members
    meeting = meet(c, group.pairing, notes="Bare oss.")
    assert meeting.notes_visible_to(c) and meeting.notes_visible_to(group.mentor)
    assert not meeting.notes_visible_to(a) and not meeting.notes_visible_to(b)


def test_notes_stay_with_the_pair_after_the_pairing_ends(
    caseworker, pairing, mentor, member, other_mentor_org, other_mentor
):
    meeting = meet(mentor, pairing, notes="Internt.")
    new = services.replace_mentor(caseworker, pairing, other_mentor_org, reason="Bytte.")
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.notes_visible_to(mentor)
    assert meeting.notes_visible_to(member)
    # The new mentor does not read the old pair's notes.
    assert not meeting.notes_visible_to(other_mentor)
    assert new.pk != pairing.pk


def test_an_inactive_person_reads_nothing(pairing, mentor, member):
    meeting = meet(mentor, pairing, notes="Internt.", notes_visibility="caseworker")
    member.is_active = False
    member.save()
    member = type(member).objects.get(pk=member.pk)
    assert not meeting.notes_visible_to(member)
    assert not Pairing.objects.visible_to(member).exists()


# --- which organisations mentoring lets people see ---------------------------------------------


def visible(user):
    return set(Organisation.objects.visible_to(user))


def test_a_mentor_sees_its_mentees_while_the_pairing_lives(
    caseworker, pairing, mentor, mentor_org, participant, other_participant
):
    assert visible(mentor) == {mentor_org, participant}
    services.set_status(caseworker, pairing, PairingStatus.PAUSED)
    assert visible(mentor) == {mentor_org, participant}
    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Slutt.")
    assert visible(mentor) == {mentor_org}


def test_an_offer_alone_shows_no_participant(offer, mentor, mentor_org, participant):
    assert visible(mentor) == {mentor_org}


def test_the_participant_sees_its_mentor(pairing, member, participant, mentor_org):
    assert visible(member) == {participant, mentor_org}


def test_replacing_the_mentor_moves_the_view(
    caseworker, pairing, mentor, member, mentor_org, participant, other_mentor_org, other_mentor
):
    services.replace_mentor(caseworker, pairing, other_mentor_org, reason="Bytte.")
    assert visible(mentor) == {mentor_org}
    assert visible(other_mentor) == {other_mentor_org, participant}
    assert visible(member) == {participant, other_mentor_org}


def test_a_group_mentor_sees_the_whole_group_and_each_participant_only_the_mentor(group):
    assert visible(group.mentor) == {group.mentor_org, *group.participants}
    for person, organisation in zip(group.members, group.participants, strict=True):
        assert visible(person) == {organisation, group.mentor_org}


def test_nobody_else_gains_anything(
    world, mentor_org, participant, other_mentor_org, other_participant, other_member,
    other_mentor, evaluator, unpaired_member,
):  # fmt: skip
    assert visible(other_member) == {other_participant, other_mentor_org}
    assert visible(other_mentor) == {other_mentor_org, other_participant}
    evaluators = set(Organisation.objects.filter(memberships__user=evaluator))
    assert visible(evaluator) == evaluators
    unpaired = set(Organisation.objects.filter(memberships__user=unpaired_member))
    assert visible(unpaired_member) == unpaired


# --- taking part in a scheme year (what courses are for) -------------------------------------


def taking_part_in(scheme_year):
    return set(Organisation.objects.filter(registry.organisations_taking_part(scheme_year)))


def years_of(organisation):
    """The organisation's years by the list of ids, which must be those read for it as a row
    of an outer query (the dashboard's one subquery for all its organisations)."""
    years = set(SchemeYear.objects.filter(registry.years_taken_part([organisation.pk])))
    assert years_of_each(Organisation.objects.all())[organisation.pk] == {y.pk for y in years}
    return years


def years_of_each(organisations) -> dict:
    """Organisation id -> the ids of the years it takes part in, read with each organisation."""
    years = SchemeYear.objects.alias(outer_organisation=OuterRef("pk")).filter(
        registry.years_taken_part(OuterRef("outer_organisation"))
    )
    rows = organisations.annotate(years=JSONRows(years.order_by(), id="id"))
    return {o.pk: {row["id"] for row in o.years} for o in rows}


def test_both_sides_of_a_pairing_take_part_in_the_years_it_runs(
    caseworker, scheme_year, pairing, mentor_org, participant, other_participant
):
    last_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year - 1)
    next_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year + 1)
    other_scheme_year = factories.SchemeYearFactory(year=scheme_year.year)

    started_last_year = pairing.starts_on.year < scheme_year.year  # it began 90 days ago
    earlier = {last_year} if started_last_year else set()
    assert taking_part_in(scheme_year) == {mentor_org, participant}
    assert years_of(mentor_org) == years_of(participant) == {scheme_year, next_year} | earlier
    assert years_of(other_participant) == set()
    assert taking_part_in(other_scheme_year) == set()

    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Ferdig")
    pairing.refresh_from_db()
    assert pairing.ends_on.year == scheme_year.year
    assert years_of(participant) == {scheme_year} | earlier  # ended this year: not next year
