"""Every change to an organisation, its people and its profile. One transaction each, checked
against the actor's access, written to the timeline."""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from organisations.models import (
    Membership,
    MembershipInvitation,
    MembershipInvitationStatus,
    Organisation,
)
from organisations.tasks import send_invitation_email
from scheme import audit, ratelimit
from scheme.notifications import notify
from scheme.once import spend_form_token
from scheme.roles import MemberRole, access_for, forget_access, require
from scheme.verbs import event_verb

User = get_user_model()

CREATED = event_verb("organisation.created", _("registered the organisation"))
PROFILE_UPDATED = event_verb("organisation.profile_updated", _("updated the profile"))
PARTS_UPDATED = event_verb("organisation.parts_updated", _("updated a list on the profile"))
# People were added directly before invitations; their timeline lines still read so.
MEMBER_ADDED = event_verb("organisation.member_added", _("added a person"))
INVITED = event_verb("organisation.invited", _("invited a person"))
INVITATION_WITHDRAWN = event_verb("organisation.invitation_withdrawn", _("withdrew an invitation"))
INVITATION_ACCEPTED = event_verb("organisation.invitation_accepted", _("accepted an invitation"))
INVITATION_DECLINED = event_verb("organisation.invitation_declined", _("declined an invitation"))
MEMBER_CHANGED = event_verb("organisation.member_changed", _("changed a person's role"))
MEMBER_REMOVED = event_verb("organisation.member_removed", _("removed a person"))

PROFILE_M2M = ("languages", "target_groups", "competence_needs")


def _changed_labels(instance, fields) -> str:
    return ", ".join(str(instance._meta.get_field(name).verbose_name) for name in fields)


@transaction.atomic
def create_organisation(actor, **fields) -> Organisation:
    """Register an organisation: caseworkers participants and mentors, admins any kind."""
    require(access_for(actor).can_create_organisation(fields.get("kind")))
    related = {name: fields.pop(name) for name in PROFILE_M2M if name in fields}
    organisation = Organisation(**fields)
    organisation.full_clean()
    organisation.save()
    for name, values in related.items():
        getattr(organisation, name).set(values)
    audit.record(actor, CREATED, organisation)
    return organisation


@transaction.atomic
def update_profile(actor, organisation: Organisation, **fields) -> Organisation:
    """Change profile fields; the number only the register's keeper and the kind only an
    admin may change."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    access = access_for(actor)
    require(access.can_edit_organisation(organisation))
    if fields.get("kind", organisation.kind) != organisation.kind:
        require(access.can_change_kind())
    if fields.get("org_number", organisation.org_number) != organisation.org_number:
        require(access.can_change_org_number(organisation))
    related = {name: fields.pop(name) for name in PROFILE_M2M if name in fields}
    changed = [name for name, value in fields.items() if getattr(organisation, name) != value]
    for name in changed:
        setattr(organisation, name, fields[name])
    organisation.full_clean()
    organisation.save()
    for name, values in related.items():
        before = set(getattr(organisation, name).values_list("pk", flat=True))
        if before != {value.pk for value in values}:
            getattr(organisation, name).set(values)
            changed.append(name)
    if changed:
        audit.record(actor, PROFILE_UPDATED, organisation, _changed_labels(organisation, changed))
    return organisation


@transaction.atomic
def save_parts(actor, organisation: Organisation, formset, form_token=None) -> None:
    """Save a validated formset of one list on the profile (branches, activities, ...)."""
    require(access_for(actor).can_edit_organisation(organisation))
    spend_form_token(actor, form_token)
    parts = formset.save(commit=False)
    for part in parts:
        part.organisation = organisation
        part.full_clean()
        part.save()
    for part in formset.deleted_objects:
        part.delete()
    if parts or formset.deleted_objects:
        audit.record(actor, PARTS_UPDATED, organisation, formset.model._meta.verbose_name_plural)


# Invitations e-mailed to one address, and sent by one person, within a window.
INVITATIONS_PER_ADDRESS = (3, 24 * 60 * 60)
INVITATIONS_PER_SENDER = (30, 60 * 60)


def _within_invitation_limits(actor, email) -> None:
    per_address, per_sender = INVITATIONS_PER_ADDRESS, INVITATIONS_PER_SENDER
    if not (
        ratelimit.hit("invitation-address", email, limit=per_address[0], seconds=per_address[1])
        and ratelimit.hit("invitation-sender", actor.pk, limit=per_sender[0], seconds=per_sender[1])
    ):
        raise ValidationError(
            _("Too many invitations have been sent just now. Try again in a few hours.")
        )


def _send_invitation(invitation: MembershipInvitation) -> None:
    """E-mail the invitation after commit; tell a person who already has an account in the
    portal too. Nothing here tells the one who invites whether the account exists."""
    transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk))
    invitee = User.objects.filter(email=invitation.email, is_active=True).first()
    if invitee is not None:
        notify(
            [invitee],
            _("You are invited to {organisation}"),
            _("{actor} invites you to {organisation} in the grant portal. Accept or decline."),
            url=reverse("organisations:invitation", args=[invitation.pk]),
            email=False,
            actor=invitation.invited_by,
            organisation=invitation.organisation.name,
        )


@transaction.atomic
def invite_person(
    actor, organisation, *, email, full_name, role=MemberRole.MEMBER, title="", form_token=None
) -> MembershipInvitation:
    """Invite a person to the organisation by e-mail. They get access when they accept."""
    require(access_for(actor).can_manage_members(organisation))
    spend_form_token(actor, form_token)
    email = User.objects.normalize_email(email)
    if Membership.objects.filter(organisation=organisation, user__email=email).exists():
        raise ValidationError(
            {"email": _("%(email)s already has access to this organisation.") % {"email": email}}
        )
    if organisation.membership_invitations.pending().filter(email=email).exists():
        raise ValidationError(
            {
                "email": _("%(email)s is already invited. Send the invitation again from the list.")
                % {"email": email}
            }
        )
    _within_invitation_limits(actor, email)
    # An expired invitation to the same address gives way to the new one.
    organisation.membership_invitations.filter(
        email=email, status=MembershipInvitationStatus.PENDING
    ).update(status=MembershipInvitationStatus.WITHDRAWN)
    invitation = MembershipInvitation(
        organisation=organisation,
        email=email,
        full_name=full_name,
        role=role,
        title=title,
        invited_by=actor,
        language=translation.get_language() or "nb",
    )
    invitation.full_clean()
    invitation.save()
    audit.record(actor, INVITED, organisation, _invitee(invitation))
    _send_invitation(invitation)
    return invitation


def _invitee(invitation) -> str:
    """The timeline's words for the invited person: the name typed, never the address (the
    invitation row, which holds it, is deleted when it goes unanswered)."""
    return f"{invitation.full_name} ({invitation.get_role_display()})"


def _locked_invitation(invitation) -> MembershipInvitation:
    return (
        MembershipInvitation.objects.select_for_update(of=("self",))
        .select_related("organisation", "invited_by")
        .get(pk=invitation.pk)
    )


@transaction.atomic
def resend_invitation(actor, invitation) -> MembershipInvitation:
    """Send the invitation again; its link works for another two weeks."""
    invitation = _locked_invitation(invitation)
    require(access_for(actor).can_manage_members(invitation.organisation))
    if invitation.status != MembershipInvitationStatus.PENDING:
        raise ValidationError(_("The invitation is already answered or withdrawn."))
    _within_invitation_limits(actor, invitation.email)
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    _send_invitation(invitation)
    return invitation


@transaction.atomic
def withdraw_invitation(actor, invitation) -> MembershipInvitation:
    invitation = _locked_invitation(invitation)
    require(access_for(actor).can_manage_members(invitation.organisation))
    if invitation.status == MembershipInvitationStatus.PENDING:
        invitation.status = MembershipInvitationStatus.WITHDRAWN
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["status", "answered_at"])
        audit.record(actor, INVITATION_WITHDRAWN, invitation.organisation, _invitee(invitation))
    return invitation


def _open_for(user, invitation) -> MembershipInvitation:
    """The invitation, locked, when it is the user's and still open; else a plain refusal."""
    invitation = _locked_invitation(invitation)
    if invitation.email != User.objects.normalize_email(user.email):
        raise PermissionDenied
    if not invitation.is_open:
        raise ValidationError(
            _("This invitation is no longer open. Ask the organisation to send a new one.")
        )
    return invitation


@transaction.atomic
def accept_invitation(user, invitation) -> Membership:
    """The invited person says yes: only now do they get access."""
    invitation = _open_for(user, invitation)
    membership, _created = Membership.objects.get_or_create(
        user=user,
        organisation=invitation.organisation,
        defaults={"role": invitation.role, "title": invitation.title},
    )
    invitation.status = MembershipInvitationStatus.ACCEPTED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    forget_access(user)
    audit.record(
        user,
        INVITATION_ACCEPTED,
        invitation.organisation,
        f"{user} ({membership.get_role_display()})",
    )
    if invitation.invited_by is not None:
        notify(
            [invitation.invited_by],
            _("{person} accepted the invitation to {organisation}"),
            _("{person} now has access to {organisation}."),
            url=reverse("organisations:people", args=[invitation.organisation_id]),
            person=str(user),
            organisation=invitation.organisation.name,
        )
    return membership


@transaction.atomic
def decline_invitation(user, invitation) -> MembershipInvitation:
    invitation = _open_for(user, invitation)
    invitation.status = MembershipInvitationStatus.DECLINED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    audit.record(user, INVITATION_DECLINED, invitation.organisation, _invitee(invitation))
    return invitation


@transaction.atomic
def join_with_new_account(invitation, *, full_name: str, password: str) -> User:
    """Someone without an account follows the e-mailed link: make their account with the
    password they chose, and accept."""
    email = invitation.email
    if User.objects.filter(email=email).exists():
        raise ValidationError(_("There is already an account for this address. Log in to accept."))
    user = User(email=email, full_name=full_name, language=invitation.language)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    accept_invitation(user, invitation)
    return user


def _other_leaders(membership) -> bool:
    return (
        Membership.objects.filter(organisation=membership.organisation, role=MemberRole.LEADER)
        .exclude(pk=membership.pk)
        .exists()
    )


def _keep_a_leader(membership):
    if membership.role == MemberRole.LEADER and not _other_leaders(membership):
        raise ValidationError(
            _("The organisation must keep at least one leader. Make someone else leader first.")
        )


@transaction.atomic
def change_member_role(actor, membership: Membership, role: str) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("organisation", "user")
        .get(pk=membership.pk)
    )
    require(access_for(actor).can_manage_members(membership.organisation))
    if role != membership.role:
        _keep_a_leader(membership)
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
        forget_access(membership.user)
        audit.record(
            actor,
            MEMBER_CHANGED,
            membership.organisation,
            f"{membership.user} ({membership.get_role_display()})",
        )
    return membership


@transaction.atomic
def remove_member(actor, membership: Membership) -> None:
    membership = (
        Membership.objects.select_for_update()
        .select_related("organisation", "user")
        .get(pk=membership.pk)
    )
    require(access_for(actor).can_manage_members(membership.organisation))
    _keep_a_leader(membership)
    membership.delete()
    forget_access(membership.user)
    audit.record(actor, MEMBER_REMOVED, membership.organisation, str(membership.user))
