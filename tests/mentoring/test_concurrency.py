"""Mentoring's rules hold when people act at the same moment: pairing and replacing lock the
mentor's offer and then the participants (in that order), so a mentor never takes more than
its capacity and a participant never gets two mentors; the same form sent twice at once saves
once.

These tests need PostgreSQL (real row locks; SQLite serialises whole transactions): they are
skipped on SQLite, or fail under REQUIRE_SERVICES=1.
"""

import datetime
import uuid

from django.utils import timezone

from mentoring import services
from mentoring.models import LIVE_STATUSES, Meeting, PairingMember
from tests import factories
from tests.concurrency import at_once

THREADS = 6
START = timezone.localdate() - datetime.timedelta(days=30)


def mentor_with_room(caseworker, capacity=1, name=None):
    organisation = factories.OrganisationFactory(kind="mentor", **({"name": name} if name else {}))
    services.save_offer(caseworker, organisation, capacity=capacity)
    return organisation


def pair(caseworker, scheme, mentor, participants):
    return lambda: services.create_pairing(
        caseworker, scheme, mentor, participants, starts_on=START
    )


def live_members(**lookup):
    return PairingMember.objects.filter(pairing__status__in=LIVE_STATUSES, **lookup)


def test_caseworkers_pairing_one_participant_at_once_give_it_one_mentor(
    postgres, transactional_db, scheme_year, participant
):
    caseworkers = [factories.caseworker(scheme_year.scheme.administrator) for _ in range(THREADS)]
    mentors = [mentor_with_room(caseworkers[0]) for _ in range(THREADS)]
    made, errors, crashes = at_once(
        [
            pair(cw, scheme_year.scheme, m, [participant])
            for cw, m in zip(caseworkers, mentors, strict=True)
        ]
    )
    assert crashes == []
    assert len(made) == 1
    assert errors == [
        f"Already has a mentor: {participant.name}. End or replace that pairing first."
    ] * (THREADS - 1)
    assert live_members(organisation=participant).count() == 1


def test_a_mentor_never_takes_more_than_its_capacity_under_load(
    postgres, transactional_db, scheme_year, caseworker
):
    mentor = mentor_with_room(caseworker, capacity=2, name="Mentor AS")
    participants = [factories.OrganisationFactory(kind="participant") for _ in range(THREADS)]
    made, errors, crashes = at_once(
        [pair(caseworker, scheme_year.scheme, mentor, [p]) for p in participants]
    )
    assert crashes == []
    assert len(made) == 2
    assert errors == ["Mentor AS has room for 2 participants and already mentors 2."] * (
        THREADS - 2
    )
    assert live_members(pairing__mentor=mentor).count() == 2


def test_a_group_and_single_pairings_at_once_share_neither_participants_nor_room(
    postgres, transactional_db, scheme_year, caseworker
):
    """A group of three and one-to-one pairings of the same participants, in both orders of
    ids, with one mentor: no deadlock, no participant twice, the mentor within its room."""
    mentor = mentor_with_room(caseworker, capacity=3)
    a, b, c = [factories.OrganisationFactory(kind="participant") for _ in range(3)]
    other_mentors = [mentor_with_room(caseworker) for _ in range(3)]
    calls = [
        pair(caseworker, scheme_year.scheme, mentor, [a, b, c]),
        pair(caseworker, scheme_year.scheme, mentor, [c, b, a]),
        *[
            pair(caseworker, scheme_year.scheme, m, [p])
            for m, p in zip(other_mentors, (c, b, a), strict=True)
        ],
    ]
    made, errors, crashes = at_once(calls)
    assert crashes == []
    assert len(made) + len(errors) == len(calls)
    for organisation in (a, b, c):
        assert live_members(organisation=organisation).count() == 1
    assert live_members(pairing__mentor=mentor).count() in (0, 3)


def test_replacing_mentors_at_once_respects_the_new_mentors_capacity(
    postgres, transactional_db, scheme_year, caseworker
):
    new_mentor = mentor_with_room(caseworker, capacity=1, name="Ny mentor")
    pairings = [
        services.create_pairing(
            caseworker,
            scheme_year.scheme,
            mentor_with_room(caseworker),
            [factories.OrganisationFactory(kind="participant")],
            starts_on=START,
        )
        for _ in range(4)
    ]
    made, errors, crashes = at_once(
        [
            lambda p=p: services.replace_mentor(caseworker, p, new_mentor, reason="Bytte.")
            for p in pairings
        ]
    )
    assert crashes == []
    assert len(made) == 1
    assert errors == ["Ny mentor has room for 1 participants and already mentors 1."] * 3
    assert live_members(pairing__mentor=new_mentor).count() == 1


def test_the_same_meeting_sent_at_once_is_logged_once(postgres, transactional_db, pairing, member):
    token = uuid.uuid4()
    log = lambda: services.log_meeting(  # noqa: E731
        member,
        pairing,
        held_on=timezone.localdate(),
        mode="digital",
        duration_minutes=60,
        attendees="Kari og Ola",
        summary="Vi gikk gjennom regnskapet.",
        tasks=[("Lage budsjett", pairing.members.get().organisation, timezone.localdate())],
        form_token=token,
    )
    made, errors, crashes = at_once([log] * 4)
    assert crashes == []
    assert len(made) == 1
    assert (
        errors == ["This form was already sent, and it was saved once. Nothing more was saved."] * 3
    )
    assert Meeting.objects.count() == 1 and pairing.tasks.count() == 1
