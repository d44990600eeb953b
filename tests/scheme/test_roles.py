import pytest

from organisations.models import Membership
from scheme.roles import Role, access_for, forget_access, require_role
from tests import factories


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        ("administrator", Role.CASEWORKER),
        ("participant", Role.MEMBER),
        ("mentor", Role.MENTOR),
        ("evaluator", Role.EVALUATOR),
    ],
)
def test_the_organisation_kind_gives_the_role(db, kind, role):
    user = factories.member_of(factories.OrganisationFactory(kind=kind))
    assert access_for(user).roles == {role}


def test_a_superuser_is_admin_and_handles_cases(admin_user):
    access = access_for(admin_user)
    assert access.roles == {Role.ADMIN}
    assert access.is_caseworker


def test_a_person_without_membership_has_no_role(db):
    assert access_for(factories.UserFactory()).roles == frozenset()


def test_memberships_in_two_organisations_give_both_roles(db):
    user = factories.member_of(factories.OrganisationFactory(kind="participant"))
    mentor_org = factories.OrganisationFactory(kind="mentor")
    Membership.objects.create(user=user, organisation=mentor_org)
    forget_access(user)
    access = access_for(user)
    assert access.roles == {Role.MEMBER, Role.MENTOR}
    assert access.organisation_ids("mentor") == {mentor_org.pk}


def test_access_is_read_once_per_user_object(db, django_assert_num_queries):
    user = factories.member_of(factories.OrganisationFactory())
    with django_assert_num_queries(1):
        access_for(user)
        access_for(user)


def test_inactive_users_have_no_access(db):
    user = factories.member_of(factories.OrganisationFactory(kind="administrator"))
    user.is_active = False
    assert not access_for(user).roles


def test_require_role_refuses_other_roles(member, caseworker, admin_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        require_role(member, Role.CASEWORKER)
    assert require_role(caseworker, Role.CASEWORKER).is_caseworker
    assert require_role(admin_user, Role.CASEWORKER).is_admin


def test_only_leaders_and_caseworkers_manage_members(participant, caseworker):
    leader = factories.member_of(participant, role="leader")
    contact = factories.member_of(participant, role="contact")
    assert access_for(leader).can_manage_members(participant)
    assert not access_for(contact).can_manage_members(participant)
    assert access_for(contact).can_edit_organisation(participant)
    assert access_for(caseworker).can_manage_members(participant)


def test_only_the_administering_body_runs_a_scheme(scheme_year):
    scheme = scheme_year.scheme
    own = factories.caseworker(scheme.administrator)
    other_body = factories.caseworker()
    assert access_for(own).administers(scheme)
    assert not access_for(other_body).administers(scheme)
