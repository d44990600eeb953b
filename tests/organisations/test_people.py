"""Who may add, remove and change the people of an organisation, and change its kind; and how
a person joins: by an invitation they accept, never by someone else's say-so alone."""

import datetime
import re
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from organisations import services
from organisations.invitations import link_token
from organisations.models import Membership, MembershipInvitation, MembershipInvitationStatus
from scheme.models import Notification, User
from scheme.roles import MemberRole, OrganisationKind
from tests import factories

KINDS = [kind.value for kind in OrganisationKind]
STAFF = {OrganisationKind.ADMINISTRATOR, OrganisationKind.EVALUATOR}


def _actor(who, target):
    """The person acting on ``target`` in the matrix."""
    if who == "admin":
        return factories.UserFactory(is_superuser=True, is_staff=True)
    if who == "caseworker":
        return factories.caseworker()
    if who == "leader":
        return factories.member_of(target, role=MemberRole.LEADER)
    if who == "contact":
        return factories.member_of(target, role=MemberRole.CONTACT)
    if who == "leader elsewhere":
        return factories.member_of(factories.OrganisationFactory(kind=target.kind))
    raise AssertionError(who)


def _manages(who, kind) -> bool:
    """The rule as the issue states it: admins everywhere; caseworkers and the organisation's
    own leaders only in participant and mentor organisations."""
    if who == "admin":
        return True
    return who in ("caseworker", "leader") and kind not in STAFF


PEOPLE = ["admin", "caseworker", "leader", "contact", "leader elsewhere"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who", PEOPLE)
def test_who_manages_the_people_of_which_kind_of_organisation(db, who, kind):
    target = factories.OrganisationFactory(kind=kind)
    factories.member_of(target, role=MemberRole.LEADER)  # the organisation keeps a leader
    person = factories.member_of(target, role=MemberRole.CONTACT)
    membership = Membership.objects.get(user=person)
    actor = _actor(who, target)
    allowed = _manages(who, kind)
    actions = {
        "invite": lambda: services.invite_person(
            actor, target, email=f"{uuid.uuid4().hex}@example.org", full_name="Ny"
        ),
        "change role": lambda: services.change_member_role(actor, membership, MemberRole.MEMBER),
        "remove": lambda: services.remove_member(actor, membership),
    }
    for action, run in actions.items():
        if allowed:
            run()
        else:
            with pytest.raises(PermissionDenied):
                run()
            assert Membership.objects.filter(pk=membership.pk, role=MemberRole.CONTACT).exists(), (
                action
            )
    if not allowed:
        assert not target.membership_invitations.exists()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who", PEOPLE)
def test_only_admins_change_an_organisations_kind(db, who, kind):
    target = factories.OrganisationFactory(kind=kind)
    actor = _actor(who, target)
    other_kind = next(k for k in KINDS if k != kind)
    if who == "admin":
        services.update_profile(actor, target, kind=other_kind)
        target.refresh_from_db()
        assert target.kind == other_kind
    else:
        with pytest.raises(PermissionDenied):
            services.update_profile(actor, target, kind=other_kind)
        target.refresh_from_db()
        assert target.kind == kind


@pytest.mark.parametrize("kind", KINDS)
def test_caseworkers_register_participants_and_mentors_only(caseworker, kind):
    fields = {"name": "Ny", "org_number": factories.OrganisationFactory.build().org_number}
    if kind in STAFF:
        with pytest.raises(PermissionDenied):
            services.create_organisation(caseworker, kind=kind, **fields)
    else:
        assert services.create_organisation(caseworker, kind=kind, **fields).kind == kind


def test_a_caseworker_of_another_body_cannot_make_themselves_a_caseworker_of_imdi(db, client):
    """The review's reproduction: POST oneself as a member of IMDi on its people page."""
    imdi = factories.OrganisationFactory(kind=OrganisationKind.ADMINISTRATOR)
    intruder = factories.caseworker()
    client.force_login(intruder)
    people = reverse("organisations:people", args=[imdi.pk])
    assert client.get(people).status_code == 200  # the register is shared...
    response = client.post(
        people, {"email": intruder.email, "full_name": "Meg", "role": "leader", "title": ""}
    )
    assert response.status_code == 403  # ...its people are not theirs to change
    assert not imdi.membership_invitations.exists()
    assert not Membership.objects.filter(organisation=imdi, user=intruder).exists()


def test_the_profile_form_offers_the_kind_to_admins_only(client, caseworker, admin_user):
    participant = factories.OrganisationFactory(kind=OrganisationKind.PARTICIPANT)
    edit = reverse("organisations:edit", args=[participant.pk])
    client.force_login(caseworker)
    page = client.get(edit).content.decode()
    assert 'name="kind"' not in page
    assert 'name="org_number"' in page
    client.force_login(admin_user)
    assert 'name="kind"' in client.get(edit).content.decode()
    client.force_login(caseworker)
    create = client.get(reverse("organisations:create")).content.decode()
    assert 'value="participant"' in create and 'value="administrator"' not in create


def test_a_contact_person_sees_the_people_but_gets_403_when_adding(client, participant, member):
    contact = factories.member_of(participant, role=MemberRole.CONTACT)
    client.force_login(contact)
    people = reverse("organisations:people", args=[participant.pk])
    assert client.get(people).status_code == 200
    response = client.post(people, {"email": "x@example.org", "full_name": "X", "role": "member"})
    assert response.status_code == 403


# Invitations --------------------------------------------------------------------------------


def _invite(client, organisation, email):
    return client.post(
        reverse("organisations:people", args=[organisation.pk]),
        {"email": email, "full_name": "Kari Nordmann", "role": "member", "title": ""},
        follow=True,
    )


def _message(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_inviting_says_the_same_whether_or_not_the_address_has_an_account(
    client, member, participant
):
    factories.UserFactory(email="admin@imdi.example")
    client.force_login(member)
    known = _invite(client, participant, "admin@imdi.example")
    unknown = _invite(client, participant, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    said_known = _message(known).replace("admin@imdi.example", "ADDRESS")
    said_unknown = _message(unknown).replace("nobody@example.org", "ADDRESS")
    assert said_known == said_unknown
    # Nothing is granted to the existing account until it accepts.
    assert not Membership.objects.filter(
        organisation=participant, user__email="admin@imdi.example"
    ).exists()


def test_an_existing_account_accepts_in_the_portal(client, member, participant):
    invitee = factories.UserFactory(email="kari@example.org", full_name="Kari Nordmann")
    invitation = services.invite_person(
        member, participant, email="kari@example.org", full_name="Kari", role="contact"
    )
    [notification] = Notification.objects.filter(recipient=invitee)
    answer = reverse("organisations:invitation", args=[invitation.pk])
    assert notification.url == answer
    client.force_login(invitee)
    assert participant.name in client.get(reverse("dashboard")).content.decode()
    response = client.post(answer, {"accept": "1"})
    assert response.status_code == 302
    assert Membership.objects.get(organisation=participant, user=invitee).role == "contact"
    invitation.refresh_from_db()
    assert invitation.status == MembershipInvitationStatus.ACCEPTED
    # The one who invited is told.
    assert Notification.objects.filter(recipient=member, subject__contains="Kari").exists()


def test_declining_grants_nothing(client, member, participant):
    invitee = factories.UserFactory(email="kari@example.org")
    invitation = services.invite_person(member, participant, email=invitee.email, full_name="K")
    client.force_login(invitee)
    client.post(reverse("organisations:invitation", args=[invitation.pk]), {"decline": "1"})
    assert not Membership.objects.filter(organisation=participant, user=invitee).exists()
    invitation.refresh_from_db()
    assert invitation.status == MembershipInvitationStatus.DECLINED


def test_nobody_else_can_open_or_accept_the_invitation(client, member, participant):
    invitation = services.invite_person(
        member, participant, email="kari@example.org", full_name="K"
    )
    stranger = factories.UserFactory()
    client.force_login(stranger)
    answer = reverse("organisations:invitation", args=[invitation.pk])
    assert client.get(answer).status_code == 404
    assert client.post(answer, {"accept": "1"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.accept_invitation(stranger, invitation)
    assert not Membership.objects.filter(organisation=participant, user=stranger).exists()


def test_a_new_person_chooses_a_password_from_the_link_and_is_in(
    client, member, participant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_person(member, participant, email="ny@example.org", full_name="Ny Person")
    link = re.search(r"https?://\S+/organisations/join/\S+", mail.outbox[-1].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200
    assert 'name="password1"' in page.content.decode()
    too_short = client.post(
        f"/{path}", {"full_name": "Ny Person", "password1": "kort", "password2": "kort"}
    )
    assert too_short.status_code == 200
    assert not User.objects.filter(email="ny@example.org").exists()
    assert 'value="Ny Person"' in too_short.content.decode()  # the input is kept
    password = "et-langt-og-godt-passord-2026"
    response = client.post(
        f"/{path}", {"full_name": "Ny Person", "password1": password, "password2": password}
    )
    assert response.status_code == 302
    user = User.objects.get(email="ny@example.org")
    assert user.check_password(password)
    assert Membership.objects.filter(organisation=participant, user=user).exists()
    # The link is spent.
    client.logout()
    assert "does not work" in client.get(f"/{path}", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_no_link_or_token_is_stored_anywhere(
    member, participant, django_capture_on_commit_callbacks
):
    """Point 5: the e-mail carries the secret; the rows only record that it was sent."""
    factories.UserFactory(email="har@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        for email in ("ny@example.org", "har@example.org"):
            services.invite_person(member, participant, email=email, full_name="X")
    tokens = [re.search(r"/join/(\S+)/", m.body).group(1) for m in mail.outbox]
    assert len(tokens) == 2
    for notification in Notification.objects.all():
        for token in tokens:
            assert token not in notification.url and token not in notification.body
        assert "/reset/" not in notification.url
    for invitation in MembershipInvitation.objects.values():
        assert not any(token in str(value) for value in invitation.values() for token in tokens)


def test_a_withdrawn_or_old_invitation_link_stops_working(client, member, participant):
    invitation = services.invite_person(member, participant, email="ny@example.org", full_name="N")
    path = reverse("organisations:invitation_link", args=[link_token(invitation)])
    assert 'name="password1"' in client.get(path).content.decode()
    services.withdraw_invitation(member, invitation)
    assert 'name="password1"' not in client.get(path).content.decode()
    forged = reverse("organisations:invitation_link", args=["x" + link_token(invitation)])
    assert 'name="password1"' not in client.get(forged).content.decode()


def test_an_invitation_expires_after_two_weeks(member, participant):
    invitation = services.invite_person(member, participant, email="ny@example.org", full_name="N")
    MembershipInvitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=15)
    )
    invitation.refresh_from_db()
    assert not invitation.is_open
    invitee = factories.UserFactory(email="ny@example.org")
    with pytest.raises(ValidationError):
        services.accept_invitation(invitee, invitation)
    # A new invitation to the address can then be sent.
    services.invite_person(member, participant, email="ny@example.org", full_name="N")


def test_invitations_to_one_address_are_limited(member, participant):
    for _ in range(services.INVITATIONS_PER_ADDRESS[0]):
        invitation = services.invite_person(
            member, participant, email="ny@example.org", full_name="N"
        )
        services.withdraw_invitation(member, invitation)
    with pytest.raises(ValidationError, match=r"Too many|mange"):
        services.invite_person(member, participant, email="ny@example.org", full_name="N")


def test_invitations_from_one_person_are_limited(member, participant):
    for number in range(services.INVITATIONS_PER_SENDER[0]):
        services.invite_person(member, participant, email=f"p{number}@example.org", full_name="N")
    with pytest.raises(ValidationError):
        services.invite_person(member, participant, email="one-more@example.org", full_name="N")


def test_the_same_invitation_form_sent_twice_invites_once(client, member, participant):
    client.force_login(member)
    token = str(uuid.uuid4())
    data = {"email": "ny@example.org", "full_name": "N", "role": "member", "form_token": token}
    people = reverse("organisations:people", args=[participant.pk])
    client.post(people, data)
    again = client.post(people, data)
    assert again.status_code == 200
    assert participant.membership_invitations.count() == 1
