"""Every change to an organisation, its people and its profile. One transaction each, checked
against the actor's access, written to the timeline."""

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from organisations.models import Membership, Organisation
from scheme import audit
from scheme.notifications import notify
from scheme.roles import MemberRole, access_for, forget_access, require
from scheme.verbs import event_verb

CREATED = event_verb("organisation.created", _("registered the organisation"))
PROFILE_UPDATED = event_verb("organisation.profile_updated", _("updated the profile"))
PARTS_UPDATED = event_verb("organisation.parts_updated", _("updated a list on the profile"))
MEMBER_ADDED = event_verb("organisation.member_added", _("added a person"))
MEMBER_CHANGED = event_verb("organisation.member_changed", _("changed a person's role"))
MEMBER_REMOVED = event_verb("organisation.member_removed", _("removed a person"))

PROFILE_M2M = ("languages", "target_groups", "competence_needs")


def _changed_labels(instance, fields) -> str:
    return ", ".join(str(instance._meta.get_field(name).verbose_name) for name in fields)


@transaction.atomic
def create_organisation(actor, **fields) -> Organisation:
    """Register an organisation (caseworkers only)."""
    require(access_for(actor).is_caseworker)
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
    """Change profile fields; the kind and number only a caseworker may change."""
    access = access_for(actor)
    require(access.can_edit_organisation(organisation.pk))
    if not access.is_caseworker and {"kind", "org_number"} & fields.keys():
        raise PermissionDenied
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
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
def save_parts(actor, organisation: Organisation, formset) -> None:
    """Save a validated formset of one list on the profile (branches, activities, ...)."""
    require(access_for(actor).can_edit_organisation(organisation.pk))
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
def add_member(actor, organisation, *, email, full_name, role=MemberRole.MEMBER, title=""):
    """Give a person access to the organisation, creating their login if they have none.

    A new person gets an e-mail with a link to choose their password.
    """
    require(access_for(actor).can_manage_members(organisation.pk))
    User = get_user_model()
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email=email).first()
    is_new = user is None
    if is_new:
        user = User.objects.create_user(email=email, full_name=full_name)
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError(
            {"email": _("%(email)s already has access to this organisation.") % {"email": email}}
        )
    membership = Membership.objects.create(
        user=user, organisation=organisation, role=role, title=title
    )
    forget_access(user)
    audit.record(actor, MEMBER_ADDED, organisation, f"{user} ({membership.get_role_display()})")
    if is_new:
        link = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        notify(
            [user],
            _("Welcome to the grant portal"),
            _(
                "{actor} has given you access to {organisation} in the grant portal. "
                "Follow the link to choose your password."
            ),
            url=link,
            actor=actor,
            organisation=organisation.name,
        )
    else:
        notify(
            [user],
            _("You now have access to {organisation}"),
            _("{actor} has given you access to {organisation} in the grant portal."),
            url=reverse("organisations:detail", args=[organisation.pk]),
            actor=actor,
            organisation=organisation.name,
        )
    return membership


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
    require(access_for(actor).can_manage_members(membership.organisation_id))
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
    require(access_for(actor).can_manage_members(membership.organisation_id))
    _keep_a_leader(membership)
    membership.delete()
    forget_access(membership.user)
    audit.record(actor, MEMBER_REMOVED, membership.organisation, str(membership.user))
