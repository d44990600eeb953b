"""The approver role, the second person on decisions and payments, exists only in
administering bodies: the model, the services and the forms refuse it elsewhere."""

import pytest
from django.core.exceptions import ValidationError

from organisations import services
from organisations.forms import InvitationForm, JoinAnswerForm, MemberRoleForm
from organisations.models import Membership
from scheme.roles import MemberRole, OrganisationKind
from tests import factories

REFUSAL = "Bare personer i et forvaltningsorgan kan ha rollen som godkjenner. Velg en annen rolle."


def test_a_membership_with_the_approver_role_is_valid_only_in_a_body(body, participant):
    person = factories.UserFactory()
    Membership(user=person, organisation=body, role=MemberRole.APPROVER).full_clean()
    with pytest.raises(ValidationError) as refused:
        Membership(user=person, organisation=participant, role=MemberRole.APPROVER).full_clean()
    assert refused.value.message_dict == {"role": [REFUSAL]}


def test_changing_a_role_to_approver_is_refused_outside_bodies(participant, member):
    membership = Membership.objects.get(user=member, organisation=participant)
    colleague = factories.member_of(participant, role=MemberRole.MEMBER)
    other = Membership.objects.get(user=colleague)
    with pytest.raises(ValidationError) as refused:
        services.change_member_role(member, other, MemberRole.APPROVER)
    assert refused.value.messages == [REFUSAL]
    other.refresh_from_db()
    assert other.role == MemberRole.MEMBER
    assert membership.role == MemberRole.LEADER


def test_an_admin_makes_a_caseworker_an_approver(body, caseworker, admin_user):
    membership = Membership.objects.get(user=caseworker, organisation=body)
    services.change_member_role(admin_user, membership, MemberRole.APPROVER)
    membership.refresh_from_db()
    assert membership.role == MemberRole.APPROVER


def test_inviting_an_approver_is_refused_outside_bodies(participant, member):
    with pytest.raises(ValidationError) as refused:
        services.invite_person(
            member,
            participant,
            email="ny@example.org",
            full_name="Ny Person",
            role=MemberRole.APPROVER,
        )
    assert refused.value.message_dict == {"role": [REFUSAL]}


def test_a_join_request_is_not_approved_with_the_approver_role(participant, member):
    newcomer = factories.UserFactory()
    request = services.ask_to_join(newcomer, participant, message="Jeg vil hjelpe til.")
    with pytest.raises(ValidationError) as refused:
        services.approve_join_request(member, request, MemberRole.APPROVER)
    assert refused.value.messages == [REFUSAL]
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_body_with_approvers_keeps_its_kind_until_they_have_other_roles(body, admin_user, db):
    factories.approver(body)
    with pytest.raises(ValidationError) as refused:
        services.update_profile(admin_user, body, kind=OrganisationKind.PARTICIPANT)
    assert "godkjenner" in refused.value.messages[0]
    body.refresh_from_db()
    assert body.kind == OrganisationKind.ADMINISTRATOR


@pytest.mark.parametrize("form_class", [InvitationForm, JoinAnswerForm, MemberRoleForm])
def test_the_forms_offer_the_approver_role_only_for_bodies(form_class, body, participant):
    def offered(organisation):
        return {
            value for value, _label in form_class(organisation=organisation).fields["role"].choices
        }

    assert MemberRole.APPROVER in offered(body)
    assert MemberRole.APPROVER not in offered(participant)
    assert MemberRole.LEADER in offered(participant)
    form = form_class({"role": MemberRole.APPROVER}, organisation=participant)
    assert not form.is_valid()
    assert form.errors["role"] == ["Velg en av rollene i listen."]
