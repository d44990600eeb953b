"""Dietary and accessibility needs given when registering for a gathering: optional free text
with a maximum, shown to the caseworker on the event's registration list (never to another
organisation), in the person's data export, kept out of the history of changes, and blanked by
the retention rule ``event_needs`` the day after the gathering ends."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from courses import personal_data, services
from courses.models import Event
from scheme import retention
from scheme.validators import SHORT_TEXT
from tests.courses.test_services import make_event, refused

DIET = "Vegetarian, no nuts"
ACCESS = "Wheelchair user: step-free access"


@pytest.fixture
def kari(gathering, member, participant):
    return services.register(
        member,
        gathering,
        participant,
        person_name="Kari",
        dietary_needs=DIET,
        accessibility_needs=ACCESS,
    )


def test_a_gathering_keeps_the_needs_given(kari):
    assert (kari.dietary_needs, kari.accessibility_needs) == (DIET, ACCESS)


def test_other_events_ask_for_no_needs(caseworker, scheme_year, member, participant):
    course = make_event(caseworker, scheme_year)
    registration = services.register(
        member, course, participant, person_name="Ola", dietary_needs=DIET
    )
    assert registration.dietary_needs == ""


def test_needs_longer_than_the_maximum_are_refused(gathering, member, participant):
    with refused(ValidationError, "at most"):
        services.register(
            member,
            gathering,
            participant,
            person_name="Ola",
            accessibility_needs="x" * (SHORT_TEXT + 1),
        )


def test_the_caseworker_sees_the_needs_and_other_organisations_do_not(
    client, kari, gathering, caseworker, member, other_member
):
    url = reverse("courses:event", args=[gathering.pk])
    client.force_login(caseworker)
    page = client.get(url).content.decode()
    assert DIET in page and ACCESS in page
    for someone in (other_member, member):  # the list with needs is the caseworker's
        client.force_login(someone)
        page = client.get(url).content.decode()
        assert DIET not in page and ACCESS not in page


def test_the_registration_form_asks_for_the_needs_at_a_gathering_only(
    client, gathering, caseworker, scheme_year, member
):
    client.force_login(member)
    page = client.get(reverse("courses:event", args=[gathering.pk])).content.decode()
    assert 'name="dietary_needs"' in page and 'name="accessibility_needs"' in page
    course = make_event(caseworker, scheme_year)
    page = client.get(reverse("courses:event", args=[course.pk])).content.decode()
    assert 'name="dietary_needs"' not in page


def test_the_needs_are_in_the_persons_export_and_not_in_the_history(kari, member):
    [record] = personal_data.about_person(member).records["registrations"]
    assert (record["dietary_needs"], record["accessibility_needs"]) == (DIET, ACCESS)
    history = LogEntry.objects.filter(object_pk=str(kari.pk))
    assert not any("dietary_needs" in (entry.changes or "") for entry in history)
    assert not any(ACCESS in str(entry.changes) for entry in LogEntry.objects.all())


def test_the_needs_are_blanked_the_day_after_the_gathering(kari, gathering):
    ends = gathering.ends_at
    Event.objects.filter(pk=gathering.pk).update(starts_at=ends - datetime.timedelta(hours=7))
    within_the_day = ends + datetime.timedelta(hours=23)
    assert retention.apply_rules(within_the_day)["event_needs"] == 0
    a_day_after = ends + datetime.timedelta(days=1, minutes=1)
    assert retention.apply_rules(a_day_after)["event_needs"] == 1
    kari.refresh_from_db()
    assert (kari.dietary_needs, kari.accessibility_needs) == ("", "")
    assert kari.person_name == "Kari"  # the registration itself stays


def test_the_privacy_statement_names_the_rule(client, db):
    with translation.override("en"):
        page = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Dietary and accessibility needs given when registering for a gathering" in page
    assert "1 day after the gathering ends" in page
    assert "they are deleted the day after the gathering" in page
