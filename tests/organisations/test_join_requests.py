"""Asking to join an organisation that is registered: a person finds it (a few results, only
name, municipality and number), asks with a short message, and its leaders approve with a role
or decline. And the organisation always keeps a leader, also when two leaders act at once."""

import datetime
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from organisations import services
from organisations.models import JoinRequest, JoinRequestStatus, Membership
from organisations.personal_data import about_organisation, about_person
from scheme import retention
from scheme.audit import timeline
from scheme.models import Notification
from scheme.roles import MemberRole, OrganisationKind
from tests import factories
from tests.concurrency import at_once

JOIN = reverse("organisations:join")


@pytest.fixture
def newcomer(db):
    return factories.UserFactory(full_name="Frida Frivillig")


@pytest.fixture
def leader(participant):
    return factories.member_of(participant, role=MemberRole.LEADER, full_name="Lise Leder")


def join_url(organisation):
    return reverse("organisations:join_organisation", args=[organisation.org_number])


def answer_url(join_request):
    return reverse(
        "organisations:join_request_answer", args=[join_request.organisation_id, join_request.pk]
    )


def asked(user, organisation, message="Jeg vil hjelpe til.") -> JoinRequest:
    return services.ask_to_join(user, organisation, message=message)


# Finding the organisation -----------------------------------------------------------------------


def test_the_search_shows_a_few_organisations_with_what_the_register_publishes(
    client, newcomer, leader
):
    for index in range(7):
        factories.OrganisationFactory(name=f"Kulturforeningen {index}", municipality="Bodø")
    hidden = factories.OrganisationFactory(name="Kulturforeningen Stab", kind="administrator")
    client.force_login(newcomer)
    response = client.get(JOIN, {"q": "kulturforeningen"})
    results = response.context["results"]
    assert len(results) == 5
    assert response.context["more"] is True
    assert hidden not in results
    content = response.content.decode()
    assert "Bodø" in content and results[0].org_number_display in content
    assert leader.email not in content and leader.full_name not in content


def test_the_search_finds_an_organisation_by_its_number(client, newcomer, participant):
    client.force_login(newcomer)
    response = client.get(JOIN, {"q": participant.org_number_display})
    assert response.context["results"] == [participant]
    assert join_url(participant) in response.content.decode()


def test_the_search_needs_three_letters(client, newcomer, participant):
    client.force_login(newcomer)
    response = client.get(JOIN, {"q": "Or"})
    assert response.context["results"] is None
    assert "q" in response.context["form"].errors


def test_searches_per_person_are_limited(client, newcomer, participant, monkeypatch):
    from organisations import joining

    monkeypatch.setattr(joining, "SEARCHES_PER_PERSON", (2, 3600))
    client.force_login(newcomer)
    for _ in range(2):
        assert client.get(JOIN, {"q": "Organisasjon"}).context["results"]
    refused = client.get(JOIN, {"q": "Organisasjon"})
    assert refused.context["results"] is None
    assert "q" in refused.context["form"].errors


def test_administering_bodies_and_evaluators_cannot_be_joined(client, newcomer):
    for kind in (OrganisationKind.ADMINISTRATOR, OrganisationKind.EVALUATOR):
        body = factories.OrganisationFactory(kind=kind)
        client.force_login(newcomer)
        assert client.get(join_url(body)).status_code == 404
        assert client.post(join_url(body), {"message": "Slipp meg inn."}).status_code == 404
        with pytest.raises(PermissionDenied):
            services.ask_to_join(newcomer, body)
    assert not JoinRequest.objects.exists()


def test_an_unknown_or_invalid_number_is_not_found(client, newcomer):
    client.force_login(newcomer)
    assert client.get(reverse("organisations:join_organisation", args=["1"])).status_code == 404
    unknown = factories.OrganisationFactory.build().org_number
    assert client.get(reverse("organisations:join_organisation", args=[unknown])).status_code == 404


# Asking ----------------------------------------------------------------------------------------


def test_asking_tells_the_leaders_and_puts_it_on_their_dashboard(
    client, newcomer, leader, participant, django_capture_on_commit_callbacks
):
    contact = factories.member_of(participant, role=MemberRole.CONTACT)
    client.force_login(newcomer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            join_url(participant),
            {"message": "Jeg har vært frivillig i et år.", "form_token": str(uuid.uuid4())},
        )
    assert response.status_code == 302
    join_request = JoinRequest.objects.get()
    assert (join_request.user, join_request.status) == (newcomer, JoinRequestStatus.PENDING)
    assert join_request.message == "Jeg har vært frivillig i et år."
    assert not Membership.objects.filter(user=newcomer).exists()  # nothing granted yet
    # The leaders are told; a contact person is not.
    [notification] = Notification.objects.filter(recipient=leader)
    assert newcomer.full_name in notification.subject
    assert notification.url == reverse("organisations:people", args=[participant.pk])
    assert [message.to for message in mail.outbox] == [[leader.email]]
    assert not Notification.objects.filter(recipient=contact).exists()
    assert next(event.verb for event in timeline(participant)) == services.JOIN_REQUESTED

    client.force_login(leader)
    dashboard = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    titles = [item.title for item in dashboard.context["due_items"]]
    assert f"1 person asks to join {participant.name}" in titles
    people = client.get(reverse("organisations:people", args=[participant.pk]))
    assert [row[0] for row in people.context["join_requests"]] == [join_request]
    assert "Jeg har vært frivillig i et år." in people.content.decode()
    # The contact person sees the people, but not the requests, and has nothing to answer.
    client.force_login(contact)
    assert (
        client.get(reverse("organisations:people", args=[participant.pk])).context["join_requests"]
        == []
    )
    titles = [item.title for item in client.get(reverse("dashboard")).context["due_items"]]
    assert not any("join" in title or "bli med" in title for title in titles)


def test_asking_twice_or_as_a_member_is_refused(newcomer, leader, participant):
    asked(newcomer, participant)
    with pytest.raises(ValidationError, match=r"already asked|allerede spurt"):
        asked(newcomer, participant)
    with pytest.raises(ValidationError, match=r"already have access|allerede tilgang"):
        asked(leader, participant)
    assert JoinRequest.objects.count() == 1


def test_the_same_form_sent_twice_asks_once(client, newcomer, participant):
    client.force_login(newcomer)
    data = {"message": "Hei!", "form_token": str(uuid.uuid4())}
    assert client.post(join_url(participant), data).status_code == 302
    again = client.post(join_url(participant), data)
    assert again.status_code == 200
    assert JoinRequest.objects.count() == 1


def test_the_message_has_a_maximum(client, newcomer, participant):
    client.force_login(newcomer)
    response = client.post(join_url(participant), {"message": "x" * 1001})
    assert response.status_code == 200
    assert "message" in response.context["form"].errors
    assert 'maxlength="1000"' in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_requests_to_join_per_person_are_limited(newcomer):
    for _ in range(services.JOIN_REQUESTS_PER_PERSON[0]):
        asked(newcomer, factories.OrganisationFactory())
    with pytest.raises(ValidationError) as error:
        asked(newcomer, factories.OrganisationFactory())
    assert error.value.code == "rate_limited"


def test_asking_at_the_same_moment_twice_makes_one_request(
    postgres, transactional_db, newcomer, participant
):
    outcome = at_once(
        [lambda: asked(newcomer, participant) for _ in range(3)], describe=lambda e: e.code
    )
    assert not outcome.crashes
    assert len(outcome.made) == 1
    assert outcome.errors == ["pending", "pending"]


# Answering --------------------------------------------------------------------------------------


def test_a_leader_lets_the_person_join_with_the_role_they_choose(
    client, newcomer, leader, participant
):
    join_request = asked(newcomer, participant)
    client.force_login(leader)
    response = client.post(
        answer_url(join_request), {"approve": "1", f"j{join_request.pk}-role": "contact"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer, organisation=participant)
    assert membership.role == MemberRole.CONTACT
    join_request.refresh_from_db()
    assert (join_request.status, join_request.role, join_request.decided_by) == (
        JoinRequestStatus.APPROVED,
        MemberRole.CONTACT,
        leader,
    )
    [notification] = Notification.objects.filter(recipient=newcomer)
    assert participant.name in notification.subject
    assert notification.email_to == newcomer.email
    assert next(event.verb for event in timeline(participant)) == services.JOIN_APPROVED
    client.force_login(newcomer)
    assert client.get(reverse("organisations:detail", args=[participant.pk])).status_code == 200


def test_a_leader_declines_and_nothing_is_granted(client, newcomer, leader, participant):
    join_request = asked(newcomer, participant)
    client.force_login(leader)
    assert client.post(answer_url(join_request), {"decline": "1"}).status_code == 302
    assert not Membership.objects.filter(user=newcomer).exists()
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.DECLINED
    [notification] = Notification.objects.filter(recipient=newcomer)
    assert "declined" in notification.subject
    # A new request may be sent later.
    assert asked(newcomer, participant).is_pending


def test_an_answered_request_is_not_answered_again(newcomer, leader, participant):
    join_request = asked(newcomer, participant)
    services.decline_join_request(leader, join_request)
    with pytest.raises(ValidationError, match=r"already answered|allerede besvart"):
        services.approve_join_request(leader, join_request, MemberRole.LEADER)
    assert not Membership.objects.filter(user=newcomer).exists()


def test_an_unknown_role_is_refused(client, newcomer, leader, participant):
    join_request = asked(newcomer, participant)
    client.force_login(leader)
    client.post(answer_url(join_request), {"approve": "1", f"j{join_request.pk}-role": "king"})
    assert not Membership.objects.filter(user=newcomer).exists()
    with pytest.raises(ValidationError):
        services.approve_join_request(leader, join_request, "king")


def test_who_may_answer_a_request_to_join(client, newcomer, leader, participant, caseworker):
    join_request = asked(newcomer, participant)
    url = answer_url(join_request)
    approve = {"approve": "1", f"j{join_request.pk}-role": "leader"}
    # A contact person of the organisation does not see the requests.
    client.force_login(factories.member_of(participant, role=MemberRole.CONTACT))
    assert client.post(url, approve).status_code == 404
    # Nor does a leader of another organisation.
    client.force_login(factories.member_of(factories.OrganisationFactory()))
    assert client.post(url, approve).status_code == 404
    # The person who asked sees their request, but may not answer it.
    client.force_login(newcomer)
    assert client.post(url, approve).status_code == 403
    assert client.post(url, {"decline": "1"}).status_code == 403
    # Under another organisation's address it is not found.
    client.force_login(leader)
    elsewhere = reverse(
        "organisations:join_request_answer",
        args=[factories.OrganisationFactory().pk, join_request.pk],
    )
    assert client.post(elsewhere, approve).status_code == 404
    assert not Membership.objects.filter(user=newcomer).exists()
    with pytest.raises(PermissionDenied):
        services.approve_join_request(newcomer, join_request, MemberRole.LEADER)
    # The caseworkers keep the register, and may let people in (as for invitations).
    services.approve_join_request(caseworker, join_request, MemberRole.MEMBER)
    assert Membership.objects.filter(user=newcomer, role=MemberRole.MEMBER).exists()


def test_the_newcomers_panel_shows_what_they_asked(client, newcomer, participant):
    asked(newcomer, participant)
    client.force_login(newcomer)
    response = client.get(reverse("dashboard"))
    [panel] = [
        p
        for p in response.context["panels"]
        if p.template == "organisations/panels/getting_started.html"
    ]
    assert [r.organisation for r in panel.context["join_requests"]] == [participant]
    assert response.context["due_items"] == []  # waiting: nothing for them to do


# Always a leader ------------------------------------------------------------------------------


@pytest.fixture
def two_leaders(participant):
    first = factories.member_of(participant, role=MemberRole.LEADER)
    second = factories.member_of(participant, role=MemberRole.LEADER)
    return first, second


def _membership(user):
    return Membership.objects.get(user=user)


@pytest.mark.parametrize("action", ["demote", "remove"])
def test_two_leaders_acting_on_each_other_at_once_leave_one_leader(
    postgres, transactional_db, two_leaders, participant, action
):
    first, second = two_leaders

    def act(actor, target):
        membership = _membership(target)
        if action == "demote":
            return services.change_member_role(actor, membership, MemberRole.MEMBER)
        return services.remove_member(actor, membership)

    outcome = at_once(
        [lambda: act(first, second), lambda: act(second, first)],
        expected=(ValidationError, PermissionDenied),
        describe=lambda error: type(error).__name__,
    )
    assert not outcome.crashes
    assert len(outcome.made) == 1
    assert len(outcome.errors) == 1
    leaders = Membership.objects.filter(organisation=participant, role=MemberRole.LEADER)
    assert leaders.count() == 1


def test_the_last_leader_is_kept(two_leaders):
    first, second = two_leaders
    services.change_member_role(first, _membership(second), MemberRole.MEMBER)
    with pytest.raises(ValidationError):
        services.change_member_role(first, _membership(first), MemberRole.MEMBER)
    with pytest.raises(ValidationError):
        services.remove_member(first, _membership(first))
    # A leader who was just made a member no longer manages the people.
    with pytest.raises(PermissionDenied):
        services.change_member_role(second, _membership(first), MemberRole.MEMBER)


# Personal data ----------------------------------------------------------------------------------


def test_the_exports_hold_the_requests_to_join(newcomer, leader, participant):
    asked(newcomer, participant, "Hei fra Frida.")
    [mine] = about_person(newcomer).records["requests_to_join"]
    assert mine["organisation__name"] == participant.name
    assert mine["message"] == "Hei fra Frida."
    [theirs] = about_organisation(participant, leader).records["requests_to_join"]
    assert theirs["user__email"] == newcomer.email


def test_declined_requests_to_join_go_90_days_after_the_answer(newcomer, leader, participant):
    [rule] = [r for r in retention.RULES if r.code == "refused_requests"]
    old, recent = asked(newcomer, participant), None
    services.decline_join_request(leader, old)
    recent = asked(newcomer, participant)
    services.decline_join_request(leader, recent)
    approved = asked(factories.UserFactory(), participant)
    services.approve_join_request(leader, approved)
    long_ago = timezone.now() - rule.keep - datetime.timedelta(days=1)
    JoinRequest.objects.filter(pk__in=[old.pk, approved.pk]).update(decided_at=long_ago)
    assert retention.apply_rules()["refused_requests"] == 1
    assert set(JoinRequest.objects.values_list("pk", flat=True)) == {recent.pk, approved.pk}
