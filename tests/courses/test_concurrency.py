"""The cap per organisation at a gathering holds when people are registered at the same moment:
``services.register`` locks the event's row, so registrations for one event are counted one
after the other. The rest get the clear message.

These tests need PostgreSQL (real row locks; SQLite serialises whole transactions): they are
skipped on SQLite, or fail under REQUIRE_SERVICES=1.
"""

import datetime

from courses import services
from tests import factories
from tests.concurrency import at_once
from tests.courses.test_services import make_event

THREADS = 6


def register(actor, event, organisation, person_name):
    return lambda: services.register(actor, event, organisation, person_name=person_name)


def test_people_registered_at_the_same_moment_never_pass_the_cap(
    postgres, transactional_db, gathering, member, participant
):
    made, errors, crashes = at_once(
        [register(member, gathering, participant, f"Person {n}") for n in range(THREADS)]
    )
    assert crashes == []
    assert len(made) == 2
    assert len(errors) == THREADS - 2
    for error in errors:
        assert error == (
            f"The places for {participant.name} are taken: at most 2 people from each "
            "organisation can come to a gathering, so more organisations get a place. You can "
            "put someone on the waiting list."
        )
    assert gathering.registrations.active().filter(organisation=participant).count() == 2


def test_each_organisation_gets_its_own_places_under_load(
    postgres, transactional_db, gathering, member, participant, other_member, other_participant
):
    [third] = factories.taking_part(
        gathering.scheme_year, factories.OrganisationFactory(kind="participant")
    )
    third_member = factories.member_of(third)
    people = [(member, participant), (other_member, other_participant), (third_member, third)]
    made, errors, crashes = at_once(
        [
            register(actor, gathering, organisation, f"{organisation.name} {n}")
            for actor, organisation in people
            for n in range(4)
        ]
    )
    assert crashes == []
    assert len(made) == 6 and len(errors) == 6
    for _actor, organisation in people:
        assert gathering.registrations.filter(organisation=organisation).count() == 2


def test_the_same_person_registered_twice_at_once_is_registered_once(
    postgres, transactional_db, caseworker, scheme_year, member, participant
):
    course = make_event(caseworker, scheme_year)  # no cap: only the name check stands
    made, errors, crashes = at_once([register(member, course, participant, "Kari Nordmann")] * 4)
    assert crashes == []
    assert len(made) == 1
    assert errors == ["Kari Nordmann is already registered."] * 3
    assert course.registrations.count() == 1


def test_the_same_programme_sent_twice_at_once_is_saved_once(
    postgres, transactional_db, caseworker, gathering
):
    """``services.save_programme`` replaces the programme under the event's lock: a double
    click replaces it twice, one after the other, and never adds both copies."""
    items = [
        (datetime.time(9, 0), "Velkommen", None, "IMDi"),
        (datetime.time(10, 0), "Organisasjonsutvikling", None, "LNU"),
    ]
    _made, errors, crashes = at_once(
        [lambda: services.save_programme(caseworker, gathering, items)] * THREADS
    )
    assert crashes == [] and errors == []
    assert list(gathering.programme.values_list("title", flat=True)) == [
        "Velkommen",
        "Organisasjonsutvikling",
    ]
