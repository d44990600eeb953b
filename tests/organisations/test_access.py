"""The access matrix: nobody reaches another organisation's data or a caseworker page,
not even by guessing URLs. Hidden objects answer 404 so their existence is not revealed."""

import pytest
from django.urls import reverse

from organisations.models import Membership, Organisation
from tests import factories

PRIVATE_PAGES = [
    ("organisations:detail", {}),
    ("organisations:edit", {}),
    ("organisations:people", {}),
    ("organisations:parts", {"section": "activities"}),
    ("organisations:parts", {"section": "previous-applications"}),
]
CASEWORKER_PAGES = ["organisations:list", "organisations:create"]


def url(name, organisation, **kwargs):
    return reverse(name, kwargs={"pk": organisation.pk, **kwargs})


@pytest.fixture
def outsider(request, db):
    """Each role that must not see the participant's private data."""
    return request.getfixturevalue(request.param)


OUTSIDERS = ["other_member", "mentor", "evaluator"]


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
@pytest.mark.parametrize(("name", "kwargs"), PRIVATE_PAGES)
def test_outsiders_cannot_read_another_organisations_pages(
    client, outsider, participant, name, kwargs
):
    client.force_login(outsider)
    assert client.get(url(name, participant, **kwargs)).status_code == 404


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_outsiders_cannot_change_another_organisation(client, outsider, participant, member):
    client.force_login(outsider)
    before = Organisation.objects.get(pk=participant.pk).name
    response = client.post(url("organisations:edit", participant), {"name": "Kapret"})
    assert response.status_code == 404
    response = client.post(
        url("organisations:people", participant),
        {"email": "inntrenger@example.org", "full_name": "X", "role": "leader"},
    )
    assert response.status_code == 404
    membership = Membership.objects.get(user=member)
    for action in ("membership_role", "membership_remove"):
        response = client.post(
            reverse(f"organisations:{action}", args=[participant.pk, membership.pk]),
            {f"m{membership.pk}-role": "member"},
        )
        assert response.status_code == 404
    assert Organisation.objects.get(pk=participant.pk).name == before
    assert Membership.objects.filter(organisation=participant).count() == 1
    assert Membership.objects.get(user=member).role == "leader"


def test_a_membership_cannot_be_reached_through_another_organisations_url(
    client, member, participant, other_member, other_participant
):
    """A leader of one organisation guesses the id of another organisation's membership."""
    client.force_login(member)
    theirs = Membership.objects.get(user=other_member)
    response = client.post(
        reverse("organisations:membership_remove", args=[participant.pk, theirs.pk])
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("outsider", [*OUTSIDERS, "member"], indirect=True)
@pytest.mark.parametrize("name", CASEWORKER_PAGES)
def test_only_caseworkers_reach_caseworker_pages(client, outsider, name):
    client.force_login(outsider)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("outsider", [*OUTSIDERS, "member"], indirect=True)
def test_only_the_administering_body_edits_scheme_rules(client, outsider, scheme_year):
    client.force_login(outsider)
    edit = reverse("scheme_year_edit", args=[scheme_year.scheme.slug, scheme_year.year])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"max_grant": "1"}).status_code == 403
    scheme_year.refresh_from_db()
    assert scheme_year.max_grant == 110000


def test_a_caseworker_of_another_body_cannot_edit_the_rules(client, scheme_year):
    client.force_login(factories.caseworker())
    edit = reverse("scheme_year_edit", args=[scheme_year.scheme.slug, scheme_year.year])
    assert client.get(edit).status_code == 403


def test_members_reach_their_own_pages(client, member, participant):
    client.force_login(member)
    for name, kwargs in PRIVATE_PAGES:
        assert client.get(url(name, participant, **kwargs)).status_code == 200


def test_caseworkers_reach_every_organisation(client, caseworker, participant, other_participant):
    client.force_login(caseworker)
    for organisation in (participant, other_participant):
        for name, kwargs in PRIVATE_PAGES:
            assert client.get(url(name, organisation, **kwargs)).status_code == 200


def test_visible_to_scopes_querysets(member, caseworker, participant, other_participant, mentor):
    assert set(Organisation.objects.visible_to(member)) == {participant}
    assert set(Organisation.objects.visible_to(caseworker)) >= {participant, other_participant}
    assert participant not in Organisation.objects.visible_to(mentor)
    assert not Membership.objects.visible_to(member).filter(organisation=other_participant)


def test_anonymous_visitors_are_sent_to_the_login_page(client, participant):
    for name, kwargs in PRIVATE_PAGES:
        response = client.get(url(name, participant, **kwargs))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    for path in ("/dashboard/", "/organisations/", "/notifications/", "/schemes/"):
        assert client.get(path).status_code == 302
    assert client.get("/").status_code == 200
