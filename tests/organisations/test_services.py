import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from organisations import services
from organisations.forms import PART_FORMSETS
from organisations.models import Membership, Organisation
from organisations.orgnr import fictional_orgnr
from scheme.audit import timeline
from scheme.models import User
from tests import factories


def test_a_caseworker_registers_an_organisation_with_a_timeline_entry(caseworker):
    group = factories.TargetGroupFactory()
    organisation = services.create_organisation(
        caseworker,
        kind="participant",
        name="Ny forening",
        org_number=fictional_orgnr(81000000),
        target_groups=[group],
    )
    assert list(organisation.target_groups.all()) == [group]
    [event] = timeline(organisation)
    assert event.actor == caseworker
    assert event.verb == services.CREATED


def test_only_caseworkers_register_organisations(member):
    with pytest.raises(PermissionDenied):
        services.create_organisation(
            member, kind="participant", name="X", org_number=fictional_orgnr(81000010)
        )
    assert not Organisation.objects.filter(name="X").exists()


def test_a_member_updates_the_profile_and_the_timeline_names_the_fields(member, participant):
    group = factories.TargetGroupFactory()
    services.update_profile(
        member, participant, description="Leksehjelp hver tirsdag.", target_groups=[group]
    )
    participant.refresh_from_db()
    assert participant.description == "Leksehjelp hver tirsdag."
    [event] = timeline(participant)
    assert event.actor == member
    assert "short description" in event.detail or "beskrivelse" in event.detail
    changed = set().union(*(e.changes_dict for e in LogEntry.objects.get_for_object(participant)))
    assert {"description", "target_groups"} <= changed


def test_saving_an_unchanged_profile_writes_no_timeline_entry(member, participant):
    services.update_profile(member, participant, name=participant.name)
    assert not timeline(participant)


def test_a_member_cannot_change_the_kind_or_number(member, participant):
    with pytest.raises(PermissionDenied):
        services.update_profile(member, participant, kind="mentor")
    participant.refresh_from_db()
    assert participant.kind == "participant"


def test_a_member_cannot_update_another_organisation(other_member, participant):
    with pytest.raises(PermissionDenied):
        services.update_profile(other_member, participant, description="Kapret")
    participant.refresh_from_db()
    assert participant.description == ""


def test_invalid_profile_data_changes_nothing(member, participant):
    with pytest.raises(ValidationError) as error:
        services.update_profile(
            member, participant, description="Ny", members_count=10, paying_members_count=20
        )
    assert "paying_members_count" in error.value.message_dict
    participant.refresh_from_db()
    assert participant.description == ""
    assert not timeline(participant)


def test_a_list_on_the_profile_is_saved_from_a_formset(member, participant):
    formset_class = PART_FORMSETS["activities"]
    data = {
        "activities-TOTAL_FORMS": "1",
        "activities-INITIAL_FORMS": "0",
        "activities-0-name": "Språkkafé",
        "activities-0-frequency": "weekly",
        "activities-0-typical_participants": "15",
    }
    formset = formset_class(data, instance=participant, prefix="activities")
    assert formset.is_valid(), formset.errors
    services.save_parts(member, participant, formset)
    assert participant.activities.get().name == "Språkkafé"
    assert timeline(participant)[0].verb == services.PARTS_UPDATED


def test_a_leader_invites_a_new_person_who_gets_nothing_until_accepting(
    member, participant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_person(
            member, participant, email="Ny@Example.org ", full_name="Ny Person", role="contact"
        )
    assert invitation.email == "ny@example.org"
    assert not User.objects.filter(email="ny@example.org").exists()
    assert not Membership.objects.filter(user__email="ny@example.org").exists()
    [email] = mail.outbox
    assert email.to == ["ny@example.org"]
    assert participant.name in email.subject
    assert "/organisations/join/" in email.body
    assert timeline(participant)[0].verb == services.INVITED


def test_inviting_twice_is_refused_with_a_clear_message(member, participant):
    services.invite_person(member, participant, email="a@example.org", full_name="A")
    with pytest.raises(ValidationError) as error:
        services.invite_person(member, participant, email="A@example.org", full_name="A")
    assert "email" in error.value.message_dict
    assert participant.membership_invitations.count() == 1


def test_a_contact_person_cannot_invite(participant):
    contact = factories.member_of(participant, role="contact")
    with pytest.raises(PermissionDenied):
        services.invite_person(contact, participant, email="b@example.org", full_name="B")
    assert not participant.membership_invitations.exists()


def test_the_last_leader_cannot_be_removed_or_demoted(member, participant):
    membership = Membership.objects.get(user=member)
    with pytest.raises(ValidationError):
        services.remove_member(member, membership)
    with pytest.raises(ValidationError):
        services.change_member_role(member, membership, "member")
    membership.refresh_from_db()
    assert membership.role == "leader"


def test_with_two_leaders_one_can_step_down(member, participant):
    second = factories.member_of(participant, role="leader")
    services.change_member_role(member, Membership.objects.get(user=second), "contact")
    assert Membership.objects.get(user=second).role == "contact"
    assert timeline(participant)[0].verb == services.MEMBER_CHANGED


def test_a_caseworker_removes_a_person(caseworker, participant, member):
    contact = factories.member_of(participant, role="contact")
    services.remove_member(caseworker, Membership.objects.get(user=contact))
    assert not Membership.objects.filter(user=contact).exists()
