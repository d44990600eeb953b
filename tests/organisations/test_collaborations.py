"""Collaborations name their partner from the register where it is there: a fellow participant
or a mentor organisation (searched), a municipality, a county authority; anyone else in words."""

import re

import pytest
from django.urls import reverse

from organisations.models import Collaboration, OrganisationKind
from tests import factories


def parts_url(organisation):
    return reverse("organisations:parts", args=[organisation.pk, "collaborations"])


def post_row(client, organisation, **row):
    """Send the collaborations page with one new row; the response."""
    page = client.get(parts_url(organisation)).content.decode()
    token = re.search(r'name="collaborations-form_token" value="([^"]+)"', page).group(1)
    data = {
        "collaborations-TOTAL_FORMS": "1",
        "collaborations-INITIAL_FORMS": "0",
        "collaborations-form_token": token,
        "collaborations-0-status": "active",
        **{f"collaborations-0-{name}": value for name, value in row.items()},
    }
    return client.post(parts_url(organisation), data)


def row_errors(response) -> dict:
    return response.context["formset"].forms[0].errors


def test_a_fellow_participant_is_chosen_from_the_register(
    client, member, participant, other_participant
):
    client.force_login(member)
    response = post_row(
        client, participant, partner_kind="participant", partner=str(other_participant.pk)
    )
    assert response.status_code == 302
    saved = Collaboration.objects.get(organisation=participant)
    assert saved.partner == other_participant
    assert saved.partner_name == other_participant.name


def test_a_partner_can_be_named_by_its_number_without_the_search(
    client, member, participant, mentor
):
    """No JavaScript: the text box under the select takes the organisation number."""
    mentor_organisation = mentor.memberships.get().organisation
    client.force_login(member)
    response = post_row(
        client,
        participant,
        partner_kind="mentor",
        partner__typed=mentor_organisation.org_number,
    )
    assert response.status_code == 302
    assert Collaboration.objects.get(organisation=participant).partner == mentor_organisation


def test_the_chosen_organisation_must_be_of_the_kind_named(
    client, member, participant, other_participant
):
    client.force_login(member)
    response = post_row(
        client,
        participant,
        partner_kind="mentor",
        partner=str(other_participant.pk),
        description="Felles kurs",
    )
    assert response.status_code == 200
    assert "partner" in row_errors(response)
    assert "Felles kurs" in response.content.decode()  # the input is kept
    assert not Collaboration.objects.exists()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"partner_kind": "participant"}, "partner"),  # a participant must be chosen
        ({"partner_kind": "immigrant_council"}, "partner_name"),  # nothing named
        ({"partner_kind": "county", "partner_municipality_number": "4601"}, None),
    ],
)
def test_a_partner_that_does_not_fit_its_kind_is_refused(client, member, participant, row, field):
    factories.OrganisationFactory(municipality="Bergen", municipality_number="4601")
    client.force_login(member)
    response = post_row(client, participant, **row)
    assert response.status_code == 200
    errors = row_errors(response)
    assert field in errors if field else errors
    assert not Collaboration.objects.exists()


def test_an_organisation_cannot_name_itself(client, member, participant):
    client.force_login(member)
    response = post_row(client, participant, partner_kind="participant", partner=participant.pk)
    assert "partner" in row_errors(response)


def test_a_municipality_and_a_county_come_from_the_register(client, member, participant):
    factories.OrganisationFactory(municipality="Bergen", municipality_number="4601")
    client.force_login(member)
    page = client.get(parts_url(participant)).content.decode()
    assert "Bergen (4601)" in page
    assert (
        post_row(
            client, participant, partner_kind="municipality", partner_municipality_number="4601"
        ).status_code
        == 302
    )
    assert (
        post_row(client, participant, partner_kind="county", partner_county="46").status_code == 302
    )
    saved = {c.partner_kind: c for c in Collaboration.objects.filter(organisation=participant)}
    assert (
        saved["municipality"].partner_name,
        saved["municipality"].partner_municipality_number,
    ) == (
        "Bergen",
        "4601",
    )
    assert (saved["county"].partner_name, saved["county"].partner_county) == ("Vestland", "46")


def test_a_municipality_from_the_register_keeps_a_name_written(client, member, participant):
    """A district of a municipality: the number from the register, the name as written."""
    factories.OrganisationFactory(municipality="Oslo", municipality_number="0301")
    client.force_login(member)
    response = post_row(
        client,
        participant,
        partner_kind="municipality",
        partner_municipality_number="0301",
        partner_name="Bydel Gamle Oslo",
    )
    assert response.status_code == 302
    saved = Collaboration.objects.get(organisation=participant)
    assert (saved.partner_name, saved.partner_municipality_number) == ("Bydel Gamle Oslo", "0301")


def test_an_immigrant_council_is_named_in_words(client, member, participant):
    client.force_login(member)
    response = post_row(
        client, participant, partner_kind="immigrant_council", partner_name="Innvandrerrådet"
    )
    assert response.status_code == 302
    saved = Collaboration.objects.get(organisation=participant)
    assert (saved.partner_name, saved.partner) == ("Innvandrerrådet", None)


def test_the_form_speaks_norwegian(client, member, participant):
    client.force_login(member)
    response = post_row(client, participant, partner_kind="participant")
    assert "Velg organisasjonen fra registeret." in response.content.decode()


def test_another_organisation_cannot_reach_the_collaborations(
    client, other_member, participant, other_participant
):
    client.force_login(other_member)
    assert client.get(parts_url(participant)).status_code == 404
    response = client.post(parts_url(participant), {"collaborations-TOTAL_FORMS": "1"})
    assert response.status_code == 404
    assert not Collaboration.objects.exists()


def test_the_partner_search_shows_participants_and_mentors_by_name_and_number(
    client, member, participant, other_participant, mentor, evaluator
):
    client.force_login(member)
    url = reverse("organisations:partner_choices")
    found = client.get(url, {"q": other_participant.name}).json()["results"]
    assert [row["value"] for row in found] == [str(other_participant.pk)]
    every = {row["value"] for row in client.get(url).json()["results"]}
    evaluators = factories.OrganisationFactory(kind=OrganisationKind.EVALUATOR)
    assert str(evaluators.pk) not in every
    assert str(mentor.memberships.get().organisation.pk) in every


def test_a_person_in_no_organisation_cannot_search_partners(client, db):
    client.force_login(factories.UserFactory())
    assert client.get(reverse("organisations:partner_choices")).status_code == 403


def test_an_evaluator_keeps_no_profile_and_cannot_search_partners(client, evaluator):
    client.force_login(evaluator)
    assert client.get(reverse("organisations:partner_choices")).status_code == 403


def test_the_page_takes_the_same_queries_however_many_partners(
    client, member, participant, django_assert_max_num_queries
):
    for _n in range(8):
        partner = factories.OrganisationFactory(kind="participant")
        Collaboration.objects.create(
            organisation=participant, partner_kind="participant", partner=partner,
            partner_name=partner.name,
        )  # fmt: skip
    client.force_login(member)
    with django_assert_max_num_queries(12):
        page = client.get(parts_url(participant)).content.decode()
    assert page.count('data-search-url="/organisations/choices/partners/"') == 9
    assert partner.name in page
