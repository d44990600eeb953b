"""The waiting list of a gathering: when an organisation's places are taken, the event page says
so and offers the waiting list instead of a registration form that would be refused; a freed
place goes to the first on the organisation's list in the same transaction, and they are told.

The capacity is per organisation only (``services.cap_for``): an event has no overall number
of places, so a place freed by one organisation goes to that organisation's waiting list.
The tests at the end need PostgreSQL (real row locks) and are skipped on SQLite.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses import services
from courses.models import Registration
from courses.workflows import RegistrationState
from scheme.models import Notification
from tests import factories
from tests.concurrency import at_once
from tests.courses.test_services import refused


@pytest.fixture
def full(gathering, member, participant):
    """The participant's two places are taken, by Kari and Ola."""
    for name in ("Kari", "Ola"):
        services.register(member, gathering, participant, person_name=name)
    return gathering


def wait(member, gathering, participant, name, **fields):
    return services.join_waiting_list(member, gathering, participant, person_name=name, **fields)


def waiting_names(gathering, organisation):
    return list(
        gathering.registrations.waiting()
        .filter(organisation=organisation)
        .values_list("person_name", flat=True)
    )


def registered_names(gathering, organisation):
    registered = gathering.registrations.active().filter(organisation=organisation)
    return sorted(registered.values_list("person_name", flat=True))


def test_people_join_the_waiting_list_only_when_the_places_are_taken(
    gathering, member, participant
):
    services.register(member, gathering, participant, person_name="Kari")
    with refused(ValidationError, "There is a place left: register the person instead."):
        wait(member, gathering, participant, "Per")
    services.register(member, gathering, participant, person_name="Ola")
    per = wait(member, gathering, participant, "Per")
    assert per.state == RegistrationState.WAITING
    assert registered_names(gathering, participant) == ["Kari", "Ola"]
    with refused(ValidationError, "per is already registered."):
        wait(member, gathering, participant, "per")


def test_a_freed_place_goes_to_the_first_on_the_list_who_is_told(
    full, member, participant, other_member, other_participant
):
    first_person = factories.member_of(participant, full_name="Per Person")
    wait(member, full, participant, "Per", person=first_person)
    wait(member, full, participant, "Anna")
    services.register(other_member, full, other_participant, person_name="Lise")
    services.register(other_member, full, other_participant, person_name="Tor")
    Notification.objects.all().delete()

    services.cancel_registration(member, full.registrations.get(person_name="Kari"))

    assert registered_names(full, participant) == ["Ola", "Per"]
    assert waiting_names(full, participant) == ["Anna"]
    assert full.registrations.get(person_name="Per").state == RegistrationState.REGISTERED
    told = Notification.objects.order_by("recipient_id")
    assert {n.recipient for n in told} == {first_person, member}
    assert {n.subject for n in told} == {"Per has a place at Fellessamling i Oslo"}
    assert all(n.url == reverse("courses:event", args=[full.pk]) for n in told)
    assert registered_names(full, other_participant) == ["Lise", "Tor"]  # not theirs to take


def test_leaving_the_waiting_list_frees_nothing(full, member, participant):
    per = wait(member, full, participant, "Per")
    wait(member, full, participant, "Anna")
    services.cancel_registration(member, per)
    assert Registration.objects.get(pk=per.pk).state == RegistrationState.CANCELLED
    assert registered_names(full, participant) == ["Kari", "Ola"]
    assert waiting_names(full, participant) == ["Anna"]
    assert not Notification.objects.filter(subject__contains="has a place").exists()


def test_the_waiting_list_is_not_counted_as_registered(full, member, participant):
    wait(member, full, participant, "Per")
    assert full.registrations.active().count() == 2
    with refused(ValidationError, "are taken"):
        services.register(member, full, participant, person_name="Anna")


def test_the_event_page_says_the_places_are_taken_and_offers_the_waiting_list(
    client, full, member, participant
):
    client.force_login(member)
    url = reverse("courses:event", args=[full.pk])
    page = client.get(url).content.decode()
    assert f"Plassene til {participant.name} er tatt" in page
    assert reverse("courses:register", args=[full.pk]) not in page
    waiting_url = reverse("courses:join_waiting_list", args=[full.pk])
    assert waiting_url in page
    response = client.post(
        waiting_url, {"waiting-organisation": participant.pk, "waiting-person_name": "Per"}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Venteliste for" in page and "Ta av ventelisten" in page
    assert waiting_names(full, participant) == ["Per"]


def test_the_page_with_places_left_offers_registration_only(client, gathering, member):
    client.force_login(member)
    page = client.get(reverse("courses:event", args=[gathering.pk])).content.decode()
    assert reverse("courses:register", args=[gathering.pk]) in page
    assert reverse("courses:join_waiting_list", args=[gathering.pk]) not in page


# --- at the same moment (PostgreSQL) ---


def test_two_cancellations_at_once_move_up_exactly_the_first_two(
    postgres, transactional_db, full, member, participant
):
    for name in ("Per", "Anna", "Lise"):
        wait(member, full, participant, name)
    kari, ola = full.registrations.active().order_by("person_name")
    made, errors, crashes = at_once(
        [
            lambda: services.cancel_registration(member, kari),
            lambda: services.cancel_registration(member, ola),
        ]
    )
    assert crashes == [] and errors == [] and len(made) == 2
    assert registered_names(full, participant) == ["Anna", "Per"]
    assert waiting_names(full, participant) == ["Lise"]


def test_cancelling_and_registering_at_once_never_pass_the_cap(
    postgres, transactional_db, full, member, participant
):
    wait(member, full, participant, "Per")
    kari = full.registrations.get(person_name="Kari")
    calls = [lambda: services.cancel_registration(member, kari)]
    calls += [
        (lambda n=n: services.register(member, full, participant, person_name=f"Ny {n}"))
        for n in range(4)
    ]
    made, errors, crashes = at_once(calls)
    assert crashes == []
    # Per moves up in the cancelling transaction, under the lock: no registration comes between.
    assert len(made) == 1 and len(errors) == 4
    assert registered_names(full, participant) == ["Ola", "Per"]
    assert waiting_names(full, participant) == []
