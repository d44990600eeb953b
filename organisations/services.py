"""Every change to an organisation, its people and its profile. One transaction each, checked
against the actor's access, written to the timeline."""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from organisations import followup
from organisations.models import (
    SELF_SERVICE_KINDS,
    Activity,
    FollowUp,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    MembershipInvitation,
    MembershipInvitationStatus,
    Organisation,
    RegistrationRequest,
    RegistrationStatus,
    check_role,
    role_fits,
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
REGISTRATION_REQUESTED = event_verb(
    "organisation.registration_requested", _("asked to register the organisation")
)
REGISTRATION_APPROVED = event_verb(
    "organisation.registration_approved", _("approved the registration")
)
REGISTRATION_REJECTED = event_verb(
    "organisation.registration_rejected", _("rejected the registration")
)
JOIN_REQUESTED = event_verb("organisation.join_requested", _("asked to join"))
JOIN_APPROVED = event_verb("organisation.join_approved", _("let a person join"))
JOIN_DECLINED = event_verb("organisation.join_declined", _("declined a request to join"))
FOLLOW_UP_ANSWERED = event_verb(
    "organisation.follow_up_answered", _("recorded the grants from others after the scheme")
)

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
        _keep_approvers_in_bodies(organisation, fields["kind"])
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


def _keep_approvers_in_bodies(organisation, kind) -> None:
    """The approver role exists only in administering bodies: a body with approvers stays one
    until they have other roles."""
    if not role_fits(kind, MemberRole.APPROVER) and (
        organisation.memberships.filter(role=MemberRole.APPROVER).exists()
    ):
        raise ValidationError(
            {
                "kind": _(
                    "Some people here have the approver role, which only administering bodies "
                    "have. Give them another role first."
                )
            }
        )


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


@transaction.atomic
def answer_follow_up(actor, organisation, scheme, formset, form_token=None) -> FollowUp:
    """Save the grants applied for elsewhere since the scheme's period (a validated
    ``FOLLOW_UP_FORMSET``) and mark the follow-up answered, by the organisation or a caseworker
    for it. No rows is an answer too: it applied for none."""
    require(access_for(actor).can_edit_organisation(organisation))
    opened = followup.opened_for(organisation, scheme.pk, timezone.localdate())
    if opened is None:
        raise ValidationError(_("The follow-up after this scheme is not open."))
    spend_form_token(actor, form_token)
    first_year = opened["last_year"] + 1
    for grant in formset.save(commit=False):
        if grant.year < first_year or followup.names_the_scheme(grant.grantor_name, scheme):
            raise ValidationError(_("Only grants from others, after the scheme, count here."))
        grant.organisation = organisation
        grant.full_clean()
        grant.save()
    for grant in formset.deleted_objects:
        grant.delete()
    answer, _created = FollowUp.objects.update_or_create(
        organisation=organisation,
        scheme=scheme,
        defaults={"answered_at": timezone.now(), "answered_by": actor},
    )
    audit.record(actor, FOLLOW_UP_ANSWERED, organisation, scheme.name)
    return answer


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
    check_role(invitation.organisation, invitation.role)
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


def _locked_for_people_change(actor, membership) -> Membership:
    """The membership, re-read after locking its organisation's row, so that changes to one
    organisation's people happen one after the other: two leaders demoting or removing each
    other at the same moment cannot leave it without one. The actor's access is read again
    under the lock too (they may just have lost the leader role)."""
    Organisation.objects.select_for_update().filter(pk=membership.organisation_id).first()
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organisation", "user")
        .get(pk=membership.pk)
    )
    forget_access(actor)
    require(access_for(actor).can_manage_members(membership.organisation))
    return membership


@transaction.atomic
def change_member_role(actor, membership: Membership, role: str) -> Membership:
    membership = _locked_for_people_change(actor, membership)
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
    membership = _locked_for_people_change(actor, membership)
    _keep_a_leader(membership)
    membership.delete()
    forget_access(membership.user)
    audit.record(actor, MEMBER_REMOVED, membership.organisation, str(membership.user))


# Registering an organisation and asking to join one --------------------------------------------

# Requests one person may send within a window.
REGISTRATIONS_PER_PERSON = (5, 24 * 60 * 60)
JOIN_REQUESTS_PER_PERSON = (10, 24 * 60 * 60)


def _within_limit(scope, person, window, message) -> None:
    limit, seconds = window
    if not ratelimit.hit(scope, person.pk, limit=limit, seconds=seconds):
        raise ValidationError(message, code="rate_limited")


def _saved_once(row, duplicate_message) -> None:
    """Validate and save a new request whose one-pending key may be taken by a request saved
    at the same moment (the check before could not see it yet): the database's unique index
    decides, and the person gets the same message either way."""
    row.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError(duplicate_message, code="pending") from None


ALREADY_REGISTERED = _(
    "This organisation is already registered in the portal. Ask to join it instead."
)
ALREADY_WAITING = _(
    "This organisation already has a registration waiting for the caseworker's approval."
)


def check_number_is_free(org_number: str) -> None:
    """Refuse a number that is registered already (code ``registered``: the person may ask to
    join instead) or that waits for a caseworker's approval (code ``pending``)."""
    if Organisation.objects.filter(org_number=org_number).exists():
        raise ValidationError(ALREADY_REGISTERED, code="registered")
    if RegistrationRequest.objects.pending().filter(org_number=org_number).exists():
        raise ValidationError(ALREADY_WAITING, code="pending")


@transaction.atomic
def request_registration(
    user, *, org_number, target_groups=(), register_data=None, form_token=None, **fields
) -> RegistrationRequest:
    """A signed-in person asks to register their organisation; a caseworker decides.

    ``register_data`` is the entry Enhetsregisteret gave when they looked the number up (the
    caseworker sees what they changed), None when the look-up gave nothing.
    """
    require(user.is_authenticated and user.is_active)
    spend_form_token(user, form_token)
    check_number_is_free(org_number)
    _within_limit(
        "registration-request",
        user,
        REGISTRATIONS_PER_PERSON,
        _("You have sent many registrations today. Try again tomorrow."),
    )
    registration = RegistrationRequest(
        requested_by=user, org_number=org_number, register_data=register_data, **fields
    )
    _saved_once(registration, ALREADY_WAITING)
    registration.target_groups.set(target_groups)
    audit.record(user, REGISTRATION_REQUESTED, registration, registration.name)
    return registration


def may_decide_registration(actor, registration) -> bool:
    """Who approves or rejects a registration: whoever keeps the register of its kind."""
    return access_for(actor).keeps_register_of(registration.kind)


def _undecided_registration(actor, registration) -> RegistrationRequest:
    """The request, locked, when the actor may decide it and it still waits."""
    registration = (
        RegistrationRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by")
        .get(pk=registration.pk)
    )
    require(may_decide_registration(actor, registration))
    if not registration.is_pending:
        raise ValidationError(_("This request is already decided."), code="decided")
    return registration


def _decided(registration, actor, status, reason="") -> None:
    registration.status = status
    registration.reason = reason
    registration.decided_by = actor
    registration.decided_at = timezone.now()
    registration.full_clean()
    registration.save()


@transaction.atomic
def approve_registration(actor, registration) -> Organisation:
    """Register the organisation from the request and make the person who asked its leader."""
    registration = _undecided_registration(actor, registration)
    requester = registration.requested_by
    if not requester.is_active:
        raise ValidationError(
            _("The person who asked has deactivated their account. Reject the request.")
        )
    taken = _("An organisation with this number is registered already. Reject the request.")
    if Organisation.objects.filter(org_number=registration.org_number).exists():
        raise ValidationError(taken)
    try:
        with transaction.atomic():
            organisation = create_organisation(
                actor,
                target_groups=list(registration.target_groups.all()),
                **registration.organisation_fields(),
            )
    except IntegrityError:  # registered by someone else at this very moment
        raise ValidationError(taken) from None
    if registration.activity_name:
        activity = Activity(
            organisation=organisation,
            name=registration.activity_name,
            frequency=registration.activity_frequency,
            typical_participants=registration.activity_participants,
        )
        activity.full_clean()
        activity.save()
    Membership.objects.create(user=requester, organisation=organisation, role=MemberRole.LEADER)
    forget_access(requester)
    registration.organisation = organisation
    _decided(registration, actor, RegistrationStatus.APPROVED)
    audit.record(actor, REGISTRATION_APPROVED, registration, organisation.name)
    audit.record(
        actor, REGISTRATION_APPROVED, organisation, f"{requester} ({MemberRole.LEADER.label})"
    )
    notify(
        [requester],
        _("{organisation} is registered in the grant portal"),
        _(
            "The caseworker approved your request to register {organisation}, and you are its "
            "leader. Complete the profile, and invite the others who work with you."
        ),
        url=reverse("organisations:detail", args=[organisation.pk]),
        organisation=organisation.name,
    )
    return organisation


@transaction.atomic
def reject_registration(actor, registration, reason: str) -> RegistrationRequest:
    """Say no, with the reason the person is told."""
    registration = _undecided_registration(actor, registration)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    _decided(registration, actor, RegistrationStatus.REJECTED, reason)
    audit.record(actor, REGISTRATION_REJECTED, registration, registration.name)
    notify(
        [registration.requested_by],
        _("Your request to register {organisation} is not approved"),
        _(
            "The caseworker did not approve the registration of {organisation}. The reason:"
            "\n\n{reason}"
        ),
        url=reverse("organisations:registration", args=[registration.pk]),
        organisation=registration.name,
        reason=reason,
    )
    return registration


def _leaders(organisation):
    return User.objects.filter(
        memberships__organisation=organisation, memberships__role=MemberRole.LEADER
    )


@transaction.atomic
def ask_to_join(user, organisation, *, message="", form_token=None) -> JoinRequest:
    """A signed-in person asks for access to a registered organisation; its leaders answer."""
    require(user.is_authenticated and user.is_active and organisation.kind in SELF_SERVICE_KINDS)
    spend_form_token(user, form_token)
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise ValidationError(_("You already have access to this organisation."))
    duplicate = _("You have already asked to join this organisation. Its leaders will answer.")
    if JoinRequest.objects.pending().filter(organisation=organisation, user=user).exists():
        raise ValidationError(duplicate, code="pending")
    _within_limit(
        "join-request",
        user,
        JOIN_REQUESTS_PER_PERSON,
        _("You have asked to join many organisations today. Try again tomorrow."),
    )
    join_request = JoinRequest(organisation=organisation, user=user, message=message)
    _saved_once(join_request, duplicate)
    audit.record(user, JOIN_REQUESTED, organisation, str(user))
    notify(
        _leaders(organisation),
        _("{person} asks to join {organisation}"),
        _(
            "{person} asks for access to {organisation} in the grant portal. Approve or decline "
            "the request on the organisation's people page."
        ),
        url=reverse("organisations:people", args=[organisation.pk]),
        person=str(user),
        organisation=organisation.name,
    )
    return join_request


def _undecided_join_request(actor, join_request) -> JoinRequest:
    join_request = (
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("organisation", "user")
        .get(pk=join_request.pk)
    )
    require(access_for(actor).can_manage_members(join_request.organisation))
    if not join_request.is_pending:
        raise ValidationError(_("This request is already answered."), code="decided")
    return join_request


def _answered(join_request, actor, status, role="") -> None:
    join_request.status = status
    join_request.role = role
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.full_clean()
    join_request.save()


@transaction.atomic
def approve_join_request(actor, join_request, role=MemberRole.MEMBER) -> Membership:
    """Give the person who asked access, with the role the leader chooses."""
    join_request = _undecided_join_request(actor, join_request)
    if role not in MemberRole.values:
        raise ValidationError({"role": _("Choose one of the roles in the list.")})
    check_role(join_request.organisation, role)
    person, organisation = join_request.user, join_request.organisation
    membership, _created = Membership.objects.get_or_create(
        user=person, organisation=organisation, defaults={"role": role}
    )
    _answered(join_request, actor, JoinRequestStatus.APPROVED, membership.role)
    forget_access(person)
    audit.record(actor, JOIN_APPROVED, organisation, f"{person} ({membership.get_role_display()})")
    notify(
        [person],
        _("You now have access to {organisation}"),
        _("{actor} approved your request to join {organisation} in the grant portal."),
        url=reverse("organisations:detail", args=[organisation.pk]),
        actor=str(actor),
        organisation=organisation.name,
    )
    return membership


@transaction.atomic
def decline_join_request(actor, join_request) -> JoinRequest:
    join_request = _undecided_join_request(actor, join_request)
    _answered(join_request, actor, JoinRequestStatus.DECLINED)
    organisation = join_request.organisation
    audit.record(actor, JOIN_DECLINED, organisation, str(join_request.user))
    notify(
        [join_request.user],
        _("Your request to join {organisation} is declined"),
        _(
            "The leaders of {organisation} declined your request to join it in the grant "
            "portal. If you think this is a mistake, contact the organisation."
        ),
        organisation=organisation.name,
    )
    return join_request
