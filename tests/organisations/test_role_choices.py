"""The people page offers the approver role only where it means something: in an
administering body (the second person on decisions and payments)."""

from django.urls import reverse

from organisations.models import OrganisationKind
from tests import factories


def _people_page(client, organisation):
    return client.get(reverse("organisations:people", args=[organisation.pk])).content.decode()


def test_a_participant_organisation_is_not_offered_the_approver_role(client, admin_user):
    participant = factories.OrganisationFactory(kind=OrganisationKind.PARTICIPANT)
    factories.member_of(participant)
    client.force_login(admin_user)
    page = _people_page(client, participant)
    assert 'value="leader"' in page and 'value="approver"' not in page


def test_an_administering_body_is_offered_the_approver_role(client, admin_user):
    body = factories.OrganisationFactory(kind=OrganisationKind.ADMINISTRATOR)
    factories.caseworker(body)
    client.force_login(admin_user)
    assert 'value="approver"' in _people_page(client, body)
