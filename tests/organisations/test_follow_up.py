"""The follow-up a year after a scheme: the leader is asked on the dashboard, records the grants
applied for from others since the period (or a caseworker does it for the organisation), and
nobody else reaches it."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Pairing
from organisations.models import FollowUp, PreviousApplication
from scheme.registry import due_items_for
from tests import factories

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def scheme_year(db):
    """A scheme whose one year ended more than a year ago: its follow-up is open."""
    return factories.SchemeYearFactory(year=THIS_YEAR - 2)


@pytest.fixture
def taking_part(scheme_year, participant):
    """Awarded a grant in the scheme's year (the follow-up counts from it), and paired."""
    factories.awarded(scheme_year, participant)
    factories.taking_part(scheme_year, participant)
    return participant


def url(organisation, scheme):
    return reverse("organisations:follow_up", args=[organisation.pk, scheme.pk])


def answer(client, organisation, scheme, *rows):
    page = client.get(url(organisation, scheme)).content.decode()
    token = re.search(r'name="grants-form_token" value="([^"]+)"', page).group(1)
    data = {
        "grants-TOTAL_FORMS": str(len(rows)),
        "grants-INITIAL_FORMS": "0",
        "grants-form_token": token,
    }
    for number, row in enumerate(rows):
        data.update({f"grants-{number}-{key}": value for key, value in row.items()})
    return client.post(url(organisation, scheme), data)


def grant(year, name="Sparebankstiftelsen", **row):
    return {"year": str(year), "grantor": "other", "grantor_name": name, "amount": "40000",
            "outcome": "granted", **row}  # fmt: skip


def follow_up_items(user):
    return [item for item in due_items_for(user) if "/follow-up/" in item.url]


def test_the_leader_is_asked_and_answers(client, member, taking_part, scheme_year):
    scheme = scheme_year.scheme
    items = follow_up_items(member)
    assert [item.url for item in items] == [url(taking_part, scheme)]
    assert items[0].due == timezone.datetime(THIS_YEAR, 3, 31).date()
    client.force_login(member)
    response = answer(client, taking_part, scheme, grant(THIS_YEAR - 1))
    assert response.status_code == 302
    saved = PreviousApplication.objects.get(organisation=taking_part)
    assert (saved.year, saved.grantor_name, saved.amount) == (
        THIS_YEAR - 1,
        "Sparebankstiftelsen",
        40000,
    )
    assert FollowUp.objects.get(organisation=taking_part, scheme=scheme).answered_by == member
    del member._own_organisations  # the dashboard's cache of one request
    assert follow_up_items(member) == []


def test_no_grants_is_an_answer(client, member, taking_part, scheme_year):
    client.force_login(member)
    assert answer(client, taking_part, scheme_year.scheme).status_code == 302
    assert FollowUp.objects.filter(organisation=taking_part).exists()
    assert not PreviousApplication.objects.exists()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (grant(THIS_YEAR - 2), "year"),  # the scheme's own year: not after it
        (grant(THIS_YEAR - 1, name="Prøveordningen for små organisasjoner"), "grantor_name"),
    ],
)
def test_only_grants_from_others_after_the_scheme_are_taken(
    client, member, taking_part, scheme_year, row, field
):
    scheme = scheme_year.scheme
    scheme.name = "Prøveordningen for små organisasjoner"
    scheme.save()
    client.force_login(member)
    response = answer(client, taking_part, scheme, row)
    assert response.status_code == 200
    assert field in response.context["formset"].forms[0].errors
    assert row["grantor_name"] in response.content.decode()  # the input is kept
    assert not FollowUp.objects.exists() and not PreviousApplication.objects.exists()


def test_the_caseworker_records_it_for_the_organisation(client, taking_part, scheme_year):
    caseworker = factories.caseworker()
    client.force_login(caseworker)
    detail = client.get(reverse("organisations:detail", args=[taking_part.pk])).content.decode()
    assert url(taking_part, scheme_year.scheme) in detail
    assert "ikke besvart ennå" in detail
    assert answer(client, taking_part, scheme_year.scheme, grant(THIS_YEAR)).status_code == 302
    assert FollowUp.objects.get(organisation=taking_part).answered_by == caseworker
    detail = client.get(reverse("organisations:detail", args=[taking_part.pk])).content.decode()
    assert f"besvart {timezone.localdate():%d.%m.%Y}" in detail


def test_another_organisation_gets_404_and_the_paired_mentor_403(
    client, other_member, taking_part, scheme_year
):
    client.force_login(other_member)
    assert client.get(url(taking_part, scheme_year.scheme)).status_code == 404
    assert client.post(url(taking_part, scheme_year.scheme), {}).status_code == 404
    mentor = Pairing.objects.get(members__organisation=taking_part).mentor
    client.force_login(factories.member_of(mentor))
    assert client.get(url(taking_part, scheme_year.scheme)).status_code == 403
    assert not FollowUp.objects.exists()


def test_a_follow_up_not_open_yet_is_not_found(client, member, participant):
    recent = factories.SchemeYearFactory(year=THIS_YEAR - 1)
    factories.awarded(recent, participant)
    assert follow_up_items(member) == []
    client.force_login(member)
    assert client.get(url(participant, recent.scheme)).status_code == 404


def test_the_page_speaks_norwegian(client, member, taking_part, scheme_year):
    client.force_login(member)
    response = answer(client, taking_part, scheme_year.scheme, grant(THIS_YEAR - 3))
    assert "årene etter ordningen" in response.content.decode()
