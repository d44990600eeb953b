"""What this app holds about a person (their memberships) and about an organisation (its
profile, its people and the lists on its profile), for the exports of scheme/personal_data.py."""

from organisations.models import (
    Membership,
    MembershipInvitation,
    MembershipInvitationStatus,
    Organisation,
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


def about_person(user) -> registry.DataPart:
    memberships = Membership.objects.filter(user=user).order_by("created_at", "pk")
    invitations = MembershipInvitation.objects.filter(email=user.email).order_by("created_at")
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


def register() -> None:
    registry.register_personal_data(person=about_person, organisation=about_organisation)
    registry.register_retention_purge("unanswered_invitations", remove_unanswered_invitations)
