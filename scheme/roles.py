"""What a user is allowed to see and do.

A user's roles come from their memberships: a member of an administering organisation is a
caseworker, of a participant organisation an organisation member, of a mentor organisation a
mentor, of an evaluator organisation an evaluator; superusers are admins. Every access rule
in the portal is answered here or in a model's ``visible_to(user)``, which asks this module.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    PARTICIPANT = "participant", _("participant organisation")
    MENTOR = "mentor", _("mentor organisation")
    ADMINISTRATOR = "administrator", _("administering body")
    EVALUATOR = "evaluator", _("evaluator")


class MemberRole(models.TextChoices):
    """A person's position in their organisation."""

    LEADER = "leader", _("leader")
    CONTACT = "contact", _("contact person")
    MEMBER = "member", _("member")
    # In an administering body: a caseworker who may approve decisions and payments.
    APPROVER = "approver", _("approver")


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("caseworker")
    MEMBER = "member", _("organisation member")
    MENTOR = "mentor", _("mentor")
    EVALUATOR = "evaluator", _("evaluator")
    ADMIN = "admin", _("administrator")


# Organisations whose people only admins manage, and whose kind only admins give.
STAFF_KINDS = frozenset({OrganisationKind.ADMINISTRATOR, OrganisationKind.EVALUATOR})

ROLE_OF_KIND = {
    OrganisationKind.ADMINISTRATOR: Role.CASEWORKER,
    OrganisationKind.PARTICIPANT: Role.MEMBER,
    OrganisationKind.MENTOR: Role.MENTOR,
    OrganisationKind.EVALUATOR: Role.EVALUATOR,
}


@dataclass(frozen=True)
class Access:
    """A user's roles and organisations, read once per request."""

    roles: frozenset = frozenset()
    # organisation id -> (organisation kind, the user's MemberRole there)
    memberships: dict = field(default_factory=dict)
    # What an app works out from the memberships once per request (the access lives as long
    # as the request's user object), under a key of its own; never on ``ANONYMOUS``.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def has(self, *roles) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_caseworker(self) -> bool:
        """Caseworkers and admins handle every organisation's case."""
        return self.has(Role.CASEWORKER, Role.ADMIN)

    @property
    def is_evaluator(self) -> bool:
        return Role.EVALUATOR in self.roles

    @property
    def takes_part_in_events(self) -> bool:
        """Caseworkers run the courses and gatherings and the organisations' people (members
        and mentors) join them; evaluators only read the feedback forms' results."""
        return self.is_caseworker or self.has(Role.MEMBER, Role.MENTOR)

    @property
    def keeps_profiles(self) -> bool:
        """Caseworkers, and the people of participant and mentor organisations, keep an
        organisation's profile lists (collaborations, earlier grant applications)."""
        return self.is_caseworker or self.has(Role.MEMBER, Role.MENTOR)

    def organisation_ids(self, *kinds) -> set[int]:
        return {
            org_id
            for org_id, (kind, _role) in self.memberships.items()
            if not kinds or kind in kinds
        }

    def is_member_of(self, organisation_id) -> bool:
        return organisation_id in self.memberships

    @property
    def administering_ids(self) -> set[int]:
        """The administering bodies the user is a caseworker of."""
        return self.organisation_ids(OrganisationKind.ADMINISTRATOR)

    def administers(self, scheme) -> bool:
        """Caseworkers of the scheme's administering body (and admins) run the scheme."""
        return self.is_admin or scheme.administrator_id in self.administering_ids

    def administered(self, queryset, path: str = "scheme__administrator_id"):
        """The rows of ``queryset`` in schemes the user's body runs (admins: all); ``path``
        leads from a row to its scheme's administering body."""
        if self.is_admin:
            return queryset
        return queryset.filter(**{f"{path}__in": self.administering_ids})

    def approves_for(self, scheme) -> bool:
        """Approvers of the scheme's administering body: the second person on decisions and
        payments. Being an admin is not enough: approving is a role in the body."""
        membership = self.memberships.get(scheme.administrator_id)
        return membership is not None and membership[1] == MemberRole.APPROVER

    def is_leader_of(self, organisation_id) -> bool:
        membership = self.memberships.get(organisation_id)
        return membership is not None and membership[1] == MemberRole.LEADER

    # The register and its people. Administering bodies and evaluators hold the keys to every
    # case or to the evaluation data, so only admins decide who is in them, and only admins
    # move an organisation between kinds (a kind is a role for everyone in it).

    def keeps_register_of(self, kind) -> bool:
        """Admins keep every organisation's entry; caseworkers those of participants and
        mentors."""
        return self.is_admin or (self.is_caseworker and kind not in STAFF_KINDS)

    def can_create_organisation(self, kind) -> bool:
        return self.keeps_register_of(kind)

    def can_edit_organisation(self, organisation) -> bool:
        """The profile: the register's keeper, or the organisation's own people."""
        return self.keeps_register_of(organisation.kind) or self.is_member_of(organisation.pk)

    def can_change_org_number(self, organisation) -> bool:
        return self.keeps_register_of(organisation.kind)

    def can_change_kind(self) -> bool:
        return self.is_admin

    def can_manage_members(self, organisation) -> bool:
        """Add, remove and change the roles of an organisation's people: admins everywhere;
        caseworkers and the organisation's own leaders in participant and mentor
        organisations."""
        if organisation.kind in STAFF_KINDS:
            return self.is_admin
        return self.keeps_register_of(organisation.kind) or self.is_leader_of(organisation.pk)

    def can_export_organisation(self, organisation) -> bool:
        """Download all the organisation's data: its leaders, and the register's keeper."""
        return self.is_leader_of(organisation.pk) or self.keeps_register_of(organisation.kind)

    def manages_members_q(self, path: str) -> Q:
        """``can_manage_members`` as a filter: rows whose organisation (at ``path``) the user
        manages the people of."""
        if self.is_admin:
            return Q(**{f"{path}__isnull": False})
        led = [
            org_id
            for org_id, (kind, role) in self.memberships.items()
            if kind not in STAFF_KINDS and role == MemberRole.LEADER
        ]
        condition = Q(**{f"{path}_id__in": led})
        if self.is_caseworker:
            condition |= ~Q(**{f"{path}__kind__in": list(STAFF_KINDS)})
        return condition

    # Reports: who may order which report, one rule per kind. The report builders (when a
    # report is ordered and whenever its job is fetched), the order forms and the order buttons
    # all ask here. Without a subject the question is whether to offer the kind at all. The
    # award letter has no subject rule here: whoever sees the award
    # (``Award.objects.visible_to``) may order its letter.

    def may_order_annual_report(self, scheme_year=None) -> bool:
        """Caseworkers of the scheme's administering body."""
        if scheme_year is None:
            return self.is_caseworker
        return self.administers(scheme_year.scheme)

    def may_order_evaluation(self, scheme=None) -> bool:
        """Caseworkers of the scheme's body, and evaluators for any scheme (it is anonymised)."""
        if self.has(Role.EVALUATOR):
            return True
        return self.is_caseworker if scheme is None else self.administers(scheme)

    def may_order_organisation_report(self, organisation=None, schemes=None) -> bool:
        """A participant organisation's own people, about its whole record (``schemes`` None);
        caseworkers, about its part in ``schemes``: at least one, every one run by their body."""
        if organisation is None:
            return self.is_caseworker or self.has(Role.MEMBER)
        if organisation.kind != OrganisationKind.PARTICIPANT:
            return False
        if schemes is None:
            return self.is_member_of(organisation.pk)
        return self.administers_all(schemes)

    def may_order_award_letter(self) -> bool:
        """Caseworkers and organisations; which awards: those they see."""
        return self.is_caseworker or self.has(Role.MEMBER)

    def may_export(self, schemes=None) -> bool:
        """The spreadsheet exports: caseworkers, of ``schemes`` their body runs (at least one)."""
        if schemes is None:
            return self.is_caseworker
        return self.administers_all(schemes)

    def may_order_archive(self, body_ids=None) -> bool:
        """The archive packages of case files (one case, or the cases closed in a period):
        caseworkers of the administering bodies that keep them (admins: any), about at least
        one body, every one of them theirs."""
        if body_ids is None:
            return self.is_caseworker
        bodies = set(body_ids)
        return bool(bodies) and (self.is_admin or bodies <= self.administering_ids)

    def administers_all(self, schemes) -> bool:
        """At least one scheme, and the user's body runs every one of them: a body that runs
        no scheme has nothing to report on."""
        return bool(schemes) and all(self.administers(scheme) for scheme in schemes)


ANONYMOUS = Access()


def access_for(user) -> Access:
    """The user's access, computed with one query and kept on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_portal_access", None)
    if cached is not None:
        return cached
    memberships = {
        org_id: (kind, role)
        for org_id, kind, role in user.memberships.order_by().values_list(
            "organisation_id", "organisation__kind", "role"
        )
    }
    roles = {ROLE_OF_KIND[kind] for kind, _role in memberships.values()}
    if user.is_superuser:
        roles.add(Role.ADMIN)
    access = Access(roles=frozenset(roles), memberships=memberships)
    user._portal_access = access
    return access


def forget_access(user) -> None:
    """Drop the cached access after the user's memberships change."""
    user.__dict__.pop("_portal_access", None)


def require(allowed: bool) -> None:
    """Refuse the actor (PermissionDenied) unless ``allowed``; the services' one way to say no."""
    if not allowed:
        raise PermissionDenied


def require_administers(user, scheme) -> Access:
    """The user's access, or PermissionDenied unless their body runs ``scheme`` (or an admin)."""
    access = access_for(user)
    require(access.administers(scheme))
    return access


def require_role(user, *roles) -> Access:
    """The user's access, or PermissionDenied when they hold none of ``roles``.

    Admins pass every check: they run the system.
    """
    access = access_for(user)
    if not (access.is_admin or access.has(*roles)):
        raise PermissionDenied
    return access


def require_administers_body(user, body_id) -> Access:
    """The user's access, or PermissionDenied unless they work for the administering body
    ``body_id`` (or are an admin)."""
    access = access_for(user)
    require(access.is_admin or body_id in access.administering_ids)
    return access
