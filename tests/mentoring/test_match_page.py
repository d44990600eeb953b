"""The match page's list of every suggestion (``?all=1``): ranked and cut in the database a page
at a time, the reasons put in words for that page only, in as many queries as the best ten."""

import pytest
from django.urls import reverse

from mentoring import services
from mentoring.matching import suggest_mentors
from organisations.models import CompetenceArea, Organisation
from scheme.web import PAGE_SIZE
from tests import factories

MENTORS = PAGE_SIZE + 2


@pytest.fixture
def many_mentors(caseworker, participant):
    """More mentors than a page, scoring differently (some help with accounts, some are in
    Oslo) and alike (ties broken by name)."""
    participant.competence_needs.set(CompetenceArea.objects.filter(code="accounts"))
    accounts = CompetenceArea.objects.filter(code="accounts")
    for number in range(MENTORS):
        mentor = factories.OrganisationFactory(
            kind="mentor", name=f"Mentor {number:02}", county="03" if number % 3 else "56"
        )
        services.save_offer(
            caseworker,
            mentor,
            capacity=number % 4,
            competence_areas=accounts if number % 2 else [],
        )


def match(participant, **query):
    return reverse("mentoring:match", args=[participant.pk]), query


def ranked(participant):
    suggestions = suggest_mentors(Organisation.objects.get(pk=participant.pk)).shown
    return [(s.mentor.pk, s.score, s.reasons) for s in suggestions]


def shown(response):
    """The suggestions on the page, their reasons in the same language as ``ranked``'s."""
    return [(s.mentor.pk, s.score, s.reasons) for s in response.context["suggestions"]]


def test_every_suggestion_a_page_at_a_time_in_the_order_of_the_whole_ranking(
    client, caseworker, participant, many_mentors
):
    client.force_login(caseworker)
    path, query = match(participant, all="1")
    first = client.get(path, query)
    second = client.get(path, query | {"page": "2"})
    assert [s.rank for s in first.context["suggestions"]] == list(range(1, PAGE_SIZE + 1))
    assert [s.rank for s in second.context["suggestions"]] == [PAGE_SIZE + 1, PAGE_SIZE + 2]
    assert shown(first) + shown(second) == ranked(participant)
    for reason in second.context["suggestions"][-1].reasons:
        assert reason in second.content.decode()
    assert first.context["page"].paginator.num_pages == 2
    assert "?all=1&amp;page=2" in first.content.decode()
    # The form offers the mentors of the page shown.
    offered = set(second.context["form"].fields["mentor"].queryset)
    assert offered == {s.mentor for s in second.context["suggestions"]}


def test_the_best_ten_are_the_first_of_the_ranking(client, caseworker, participant, many_mentors):
    client.force_login(caseworker)
    path, _query = match(participant)
    response = client.get(path)
    assert shown(response) == ranked(participant)[:10]
    assert response.context["page"] is None
    assert f"Show all {MENTORS} mentor organisations" in response.content.decode()


def test_a_page_past_the_last_is_not_found(client, caseworker, participant, many_mentors):
    client.force_login(caseworker)
    path, query = match(participant, all="1")
    assert client.get(path, query | {"page": "3"}).status_code == 404
    assert client.get(path, query | {"page": "999999"}).status_code == 404
    for wrong in ("x", "9" * 40):  # not a number, or one past any OFFSET: the first page
        assert client.get(path, query | {"page": wrong}).context["page"].number == 1


def test_the_best_suggestion_is_chosen_on_the_first_page_only(
    client, caseworker, participant, many_mentors
):
    client.force_login(caseworker)
    path, query = match(participant, all="1")
    first = client.get(path, query).context
    assert first["form"]["mentor"].value() == first["suggestions"][0].mentor.pk
    assert client.get(path, query | {"page": "2"}).context["form"]["mentor"].value() is None


def test_a_later_page_needs_no_more_queries_than_the_first(
    client, caseworker, participant, many_mentors, django_assert_max_num_queries
):
    client.force_login(caseworker)
    path, query = match(participant, all="1")
    client.get(path, query)
    with django_assert_max_num_queries(9):
        client.get(path, query)
    with django_assert_max_num_queries(9):
        client.get(path, query | {"page": "2"})
