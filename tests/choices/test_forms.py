"""The search-as-you-type fields in the forms (scheme/choices.py): a chosen id is checked
against the rows the field offers, a wrong one gets a plain message with the rest of the input
kept, a typed number or name (no JavaScript) is looked up, and a page holds only the chosen rows
however large the register grows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services as courses
from courses.models import Event
from mentoring import services as mentoring
from mentoring.models import Pairing
from tests import factories
from tests.querycount import assert_same_query_count, count_queries

pytestmark = pytest.mark.django_db

CREATE = reverse("courses:event_create")


@pytest.fixture
def scheme_year():
    return factories.SchemeYearFactory(year=timezone.localdate().year)


@pytest.fixture
def caseworker(client, scheme_year):
    user = factories.caseworker(scheme_year.scheme.administrator)
    client.force_login(user)
    return user


def event_post(scheme_year, **changes):
    starts = timezone.localtime() + datetime.timedelta(days=30)
    return {
        "scheme_year": scheme_year.pk,
        "kind": "course",
        "audience": "participants",
        "title": "Regnskapskurs",
        "provider": "",
        "provider_name": "",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "is_digital": "on",
        "registration_deadline": (starts.date() - datetime.timedelta(days=7)).isoformat(),
        "planned_item": "",
    } | changes


def test_a_chosen_provider_is_saved(client, caseworker, scheme_year):
    provider = factories.OrganisationFactory(kind="mentor")
    response = client.post(CREATE, event_post(scheme_year, provider=provider.pk))
    assert response.status_code == 302
    assert Event.objects.get().provider == provider


def test_a_provider_the_field_does_not_offer_is_refused_with_the_input_kept(
    client, caseworker, scheme_year
):
    evaluator = factories.OrganisationFactory(kind="evaluator")
    response = client.post(CREATE, event_post(scheme_year, provider=evaluator.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Den organisasjonen kan ikke velges her. Søk på nytt og velg en." in page
    assert 'value="Regnskapskurs"' in page
    assert evaluator.name not in page
    assert not Event.objects.exists()


def test_without_javascript_the_number_or_the_name_is_typed(client, caseworker, scheme_year):
    provider = factories.OrganisationFactory(name="Tøyen Idrettslag")
    factories.OrganisationFactory(name="Tøyen Idrettslag Sjakk")
    client.post(CREATE, event_post(scheme_year, provider__typed=provider.org_number))
    client.post(CREATE, event_post(scheme_year, provider__typed="tøyen idrettslag"))
    assert [event.provider for event in Event.objects.all()] == [provider, provider]
    response = client.post(CREATE, event_post(scheme_year, provider__typed="Tøyen"))
    page = response.content.decode()
    assert "Flere organisasjoner passer med «Tøyen». Skriv organisasjonsnummeret." in page
    assert ">Tøyen</" not in page and 'value="Tøyen"' in page
    response = client.post(CREATE, event_post(scheme_year, provider__typed="Bowling"))
    assert (
        "Ingen organisasjon her har nummeret eller navnet «Bowling»." in response.content.decode()
    )


def test_the_event_page_holds_only_the_chosen_provider(client, caseworker, scheme_year):
    factories.OrganisationFactory.create_batch(3)
    small = client.get(CREATE).content.decode()
    factories.OrganisationFactory.create_batch(60)
    large = client.get(CREATE).content.decode()
    assert small.count("<option") == large.count("<option")
    assert abs(len(small) - len(large)) < 100
    assert 'data-search-url="/organisations/choices/hosts/"' in large
    assert 'data-text-none="Ingen treff"' in large


def programme_event(caseworker, scheme_year, presenter):
    starts = timezone.now() + datetime.timedelta(days=30)
    event = courses.save_event(
        caseworker,
        scheme_year=scheme_year,
        kind="course",
        audience="participants",
        title="Kurs",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        is_digital=True,
        registration_deadline=starts.date() - datetime.timedelta(days=3),
    )
    items = [(datetime.time(9 + n), f"Innlegg {n}", presenter, "") for n in range(3)]
    courses.save_programme(caseworker, event, items)
    return event


def test_the_programme_page_does_not_grow_with_the_register(client, caseworker, scheme_year):
    presenter = factories.OrganisationFactory(name="Foredragslaget")
    url = reverse(
        "courses:programme", args=[programme_event(caseworker, scheme_year, presenter).pk]
    )
    factories.OrganisationFactory.create_batch(3)
    client.get(url)  # the menu's unread counts are cached from the first page on
    small = count_queries(lambda: client.get(url))
    factories.OrganisationFactory.create_batch(60)
    large = count_queries(lambda: client.get(url))
    assert_same_query_count(small, large)
    page = client.get(url).content.decode()
    # Three saved rows with the presenter chosen, three empty rows: an empty choice each.
    assert page.count("<option") == 3 + 6
    assert page.count("Foredragslaget (") == 3


def test_a_pairing_takes_participants_only(client, caseworker, scheme_year):
    factories.awarded(scheme_year, factories.OrganisationFactory(name="Venter"))
    mentor = factories.OrganisationFactory(kind="mentor")
    mentoring.save_offer(caseworker, mentor, capacity=2)
    data = {
        "scheme": scheme_year.scheme.pk,
        "mentor": mentor.pk,
        "starts_on": timezone.localdate().isoformat(),
    }
    url = reverse("mentoring:pairing_create")
    response = client.post(url, data | {"participants": [mentor.pk]})
    assert response.context["form"].errors["participants"] == [
        "Den organisasjonen kan ikke velges her. Søk på nytt og velg en."
    ]
    client.post(url, data | {"participants__typed": "venter"})
    assert [m.organisation.name for m in Pairing.objects.get().members.all()] == ["Venter"]
