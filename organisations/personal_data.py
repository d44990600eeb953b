"""What this app holds about a person (their memberships) and about an organisation (its
profile, its people and the lists on its profile), for the exports of scheme/personal_data.py."""

from organisations.models import (
    JoinRequest,
    JoinRequestStatus,
    Membership,
    MembershipInvitation,
    MembershipInvitationStatus,
    Organisation,
    RegistrationRequest,
    RegistrationStatus,
)
from scheme import registry

PROFILE_FIELDS = [
    "id",
    "kind",
    "name",
    "org_number",
    "in_voluntary_register",
    "voluntary_register_since",
    "founded",
    "municipality",
    "municipality_number",
    "county",
    "street_address",
    "postal_code",
    "postal_place",
    "email",
    "phone",
    "website",
    "social_media",
    "member_based",
    "members_count",
    "paying_members_count",
    "description",
    "created_at",
    "updated_at",
]


def _names(items) -> list[str]:
    return [item.name for item in items]


INVITATION_FIELDS = ["email", "full_name", "role", "title", "status", "created_at", "sent_at"]


REGISTRATION_FIELDS = [
    "kind",
    "org_number",
    "name",
    "founded",
    "in_voluntary_register",
    "street_address",
    "postal_code",
    "postal_place",
    "municipality",
    "county",
    "email",
    "phone",
    "website",
    "description",
    "activity_name",
    "activity_frequency",
    "activity_participants",
    "status",
    "reason",
    "created_at",
    "decided_at",
]
JOIN_REQUEST_FIELDS = ["message", "status", "role", "created_at", "decided_at"]


def _registrations(user) -> list[dict]:
    registrations = (
        RegistrationRequest.objects.filter(requested_by=user)
        .prefetch_related("target_groups")
        .order_by("created_at", "pk")
    )
    return [
        {name: getattr(registration, name) for name in REGISTRATION_FIELDS}
        | {"target_groups": _names(registration.target_groups.all())}
        for registration in registrations
    ]


def about_person(user) -> registry.DataPart:
    memberships = Membership.objects.filter(user=user).order_by("created_at", "pk")
    invitations = MembershipInvitation.objects.filter(email=user.email).order_by("created_at")
    join_requests = JoinRequest.objects.filter(user=user).order_by("created_at", "pk")
    return registry.DataPart(
        "organisations",
        {
            "memberships": list(
                memberships.values(
                    "organisation_id",
                    "organisation__name",
                    "organisation__org_number",
                    "organisation__kind",
                    "role",
                    "title",
                    "created_at",
                )
            ),
            "invitations_to_you": list(
                invitations.values("organisation__name", *INVITATION_FIELDS[2:])
            ),
            "registrations_you_sent": _registrations(user),
            "requests_to_join": list(
                join_requests.values(
                    "organisation__name", "organisation__org_number", *JOIN_REQUEST_FIELDS
                )
            ),
        },
    )


def about_organisation(organisation, actor) -> registry.DataPart:
    """The profile with its lists, and the people with access (name, e-mail, role)."""
    profile = (
        Organisation.objects.filter(pk=organisation.pk)
        .prefetch_related("languages", "target_groups", "competence_needs")
        .get()
    )
    record = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    record.update(
        languages=_names(profile.languages.all()),
        target_groups=_names(profile.target_groups.all()),
        competence_needs=_names(profile.competence_needs.all()),
    )
    people = profile.memberships.order_by("user__full_name", "pk")
    return registry.DataPart(
        "organisations",
        {
            "profile": record,
            "people": list(
                people.values(
                    "user__full_name",
                    "user__email",
                    "user__is_active",
                    "role",
                    "title",
                    "created_at",
                )
            ),
            "branches": list(profile.branches.values("name", "municipality", "county", "founded")),
            "activities": list(
                profile.activities.values(
                    "name", "frequency", "typical_participants", "description"
                )
            ),
            "collaborations": list(
                profile.collaborations.values(
                    "partner_kind", "partner_name", "since", "status", "description", "created_at"
                )
            ),
            "invitations": list(
                MembershipInvitation.objects.visible_to(actor)
                .filter(organisation=organisation)
                .order_by("created_at")
                .values(*INVITATION_FIELDS)
            ),
            "requests_to_join": list(
                JoinRequest.objects.visible_to(actor)
                .filter(organisation=organisation)
                .order_by("created_at", "pk")
                .values("user__full_name", "user__email", *JOIN_REQUEST_FIELDS)
            ),
            "previous_applications": list(
                profile.previous_applications.values(
                    "year", "grantor", "grantor_name", "amount", "outcome"
                )
            ),
        },
    )


def remove_unanswered_invitations(cutoff) -> int:
    """Invitations never accepted (declined, withdrawn or left unanswered) and last sent
    before ``cutoff``: they name a person who never joined."""
    stale = MembershipInvitation.objects.filter(sent_at__lt=cutoff).exclude(
        status=MembershipInvitationStatus.ACCEPTED
    )
    return stale.delete()[0]


def remove_refused_requests(cutoff) -> int:
    """Registrations rejected and requests to join declined before ``cutoff``: they name a
    person who never got in. Approved ones are the record of how the organisation and its
    people came into the portal, and are kept."""
    rejected = RegistrationRequest.objects.filter(
        status=RegistrationStatus.REJECTED, decided_at__lt=cutoff
    )
    declined = JoinRequest.objects.filter(status=JoinRequestStatus.DECLINED, decided_at__lt=cutoff)
    return rejected.delete()[1].get(RegistrationRequest._meta.label, 0) + declined.delete()[0]


def register() -> None:
    registry.register_personal_data(person=about_person, organisation=about_organisation)
    registry.register_retention_purge("unanswered_invitations", remove_unanswered_invitations)
    registry.register_retention_purge("refused_requests", remove_refused_requests)
