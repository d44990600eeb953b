"""The paged search endpoints behind the search-as-you-type fields (scheme/choices.py): twenty
rows a page, search by name or organisation number, only the rows the field offers and the user
may see, the portal's usual answers to others, and a query count that does not grow."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services as courses
from tests import factories
from tests.querycount import assert_same_query_count, count_queries

pytestmark = pytest.mark.django_db


def organisations_url(offer):
    return reverse("organisations:choices", args=[offer])


@pytest.fixture
def caseworker():
    return factories.caseworker()


def search(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.json()


def texts(found) -> list[str]:
    return [row["text"] for row in found["results"]]


def test_twenty_a_page_and_the_next_page_on_request(client, caseworker):
    for number in range(25):
        factories.OrganisationFactory(kind="mentor", name=f"Mentorlag {number:02}")
    client.force_login(caseworker)
    first = search(client, organisations_url("mentors"))
    second = search(client, organisations_url("mentors"), page=2)
    assert len(first["results"]) == 20 and first["more"] is True
    assert len(second["results"]) == 5 and second["more"] is False
    assert texts(first)[0].startswith("Mentorlag 00 (")
    assert texts(second)[-1].startswith("Mentorlag 24 (")
    assert search(client, organisations_url("mentors"), page="x")["results"] == first["results"]


def test_a_search_finds_by_part_of_the_name_or_the_start_of_the_number(client, caseworker):
    wanted = factories.OrganisationFactory(name="Tøyen Idrettslag")
    factories.OrganisationFactory(name="Grorud Sjakklubb")
    client.force_login(caseworker)
    by_name = search(client, organisations_url("participants"), q="idrett")
    by_number = search(client, organisations_url("participants"), q=wanted.org_number[:5])
    assert [row["value"] for row in by_name["results"]] == [str(wanted.pk)]
    assert str(wanted.pk) in [row["value"] for row in by_number["results"]]
    assert search(client, organisations_url("participants"), q="bowling")["results"] == []


def test_each_offer_gives_only_its_kinds(client, caseworker):
    participant = factories.OrganisationFactory(kind="participant", name="Deltaker")
    mentor = factories.OrganisationFactory(kind="mentor", name="Mentor")
    evaluator = factories.OrganisationFactory(kind="evaluator", name="Evaluator")
    client.force_login(caseworker)
    ids = {
        offer: {row["value"] for row in search(client, organisations_url(offer))["results"]}
        for offer in ("hosts", "participants", "mentors")
    }
    assert str(participant.pk) in ids["hosts"] and str(mentor.pk) in ids["hosts"]
    assert str(evaluator.pk) not in ids["hosts"]
    assert ids["participants"] & {str(mentor.pk), str(evaluator.pk)} == set()
    assert ids["mentors"] == {str(mentor.pk)}


def test_only_caseworkers_search_the_register(client):
    member = factories.member_of(factories.OrganisationFactory())
    client.force_login(member)
    assert client.get(organisations_url("participants")).status_code == 403
    client.force_login(factories.caseworker())
    assert client.get(organisations_url("everything")).status_code == 404
    client.logout()
    assert client.get(organisations_url("participants")).status_code == 302


def test_the_query_count_does_not_grow_with_the_register(client, caseworker):
    client.force_login(caseworker)
    factories.OrganisationFactory.create_batch(3)
    small = count_queries(lambda: client.get(organisations_url("participants"), {"q": "Org"}))
    factories.OrganisationFactory.create_batch(60)
    large = count_queries(lambda: client.get(organisations_url("participants"), {"q": "Org"}))
    assert_same_query_count(small, large)
    assert len(large) <= 3


def test_the_task_search_offers_the_events_audience_to_its_own_body_only(client):
    scheme_year = factories.SchemeYearFactory()
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    inside = factories.taking_part(scheme_year, factories.OrganisationFactory(name="Innenfor"))[0]
    factories.OrganisationFactory(name="Utenfor")
    event = courses.save_event(
        caseworker,
        scheme_year=scheme_year,
        kind="course",
        audience="participants",
        title="Kurs",
        starts_at=_in_days(30),
        ends_at=_in_days(30, hours=2),
        is_digital=True,
        registration_deadline=_in_days(20).date(),
    )
    url = reverse("courses:task_organisations", args=[event.pk])
    client.force_login(caseworker)
    assert [row["value"] for row in search(client, url)["results"]] == [str(inside.pk)]
    client.force_login(factories.caseworker())  # another body's caseworker
    assert client.get(url).status_code == 404
    client.force_login(factories.member_of(inside))
    assert client.get(url).status_code == 403


def test_the_contact_search_offers_the_chosen_mentors_people(client, caseworker):
    mentor = factories.OrganisationFactory(kind="mentor", name="Mentorhuset")
    other = factories.OrganisationFactory(kind="mentor")
    kari = factories.member_of(mentor, full_name="Kari Nordmann")
    factories.member_of(other, full_name="Kari Olsen")
    factories.member_of(factories.OrganisationFactory(), full_name="Kari Deltaker")
    client.force_login(caseworker)
    url = reverse("mentoring:mentor_people")
    assert sorted(texts(search(client, url, q="kari"))) == [
        "Kari Nordmann (Mentorhuset)",
        f"Kari Olsen ({other.name})",
    ]
    only = search(client, url, q="kari", mentor=mentor.pk)["results"]
    assert [row["value"] for row in only] == [str(kari.pk)]
    client.force_login(kari)
    assert client.get(url).status_code == 403


def _in_days(days, hours=0):
    return timezone.now() + datetime.timedelta(days=days, hours=hours)
