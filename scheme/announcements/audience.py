"""Who is in an announcement's audience: the one rule, read in both directions.

``for_person`` gives the announcements a person is in the audience of (the dashboard, the
page of announcements, the digest); ``people_in`` the people in one announcement's audience
(the read counts). Both come from the same table: an audience is the organisations of the
given kinds taking part in the scheme year (``scheme.registry``: an award or a pairing in the
year), or the organisations an app's object gathers (courses: those registered to an event).
"""

from django.db.models import Exists, OuterRef, Q

from scheme import registry
from scheme.models import SchemeYear, User
from scheme.roles import OrganisationKind, access_for

from .models import AudienceKind

KINDS = {
    AudienceKind.EVERYONE: {OrganisationKind.PARTICIPANT, OrganisationKind.MENTOR},
    AudienceKind.PARTICIPANTS: {OrganisationKind.PARTICIPANT},
    AudienceKind.MENTORS: {OrganisationKind.MENTOR},
    AudienceKind.EVENT: {OrganisationKind.PARTICIPANT, OrganisationKind.MENTOR},
}


def for_organisations(memberships: dict) -> Q:
    """A Q over Announcement: those whose audience holds one of these organisations
    (``memberships``: organisation id -> (kind, role), as ``scheme.roles.Access`` keeps)."""
    condition = Q(pk__in=[])
    by_year = {}  # the organisations' ids -> the audiences of the scheme year they are in
    for audience, kinds in KINDS.items():
        ids = tuple(sorted(org_id for org_id, (kind, _r) in memberships.items() if kind in kinds))
        if not ids:
            continue
        if audience == AudienceKind.EVENT:
            group = registry.audience_group(audience)
            if group is not None:
                condition |= Q(audience=audience, group_id__in=group.groups_of(ids))
        else:
            by_year.setdefault(ids, []).append(audience)
    # Audiences of the same organisations share one subquery of the years they take part in.
    for ids, audiences in by_year.items():
        years = SchemeYear.objects.filter(registry.years_taken_part(ids)).values("pk")
        condition |= Q(audience__in=audiences, scheme_year__in=years)
    return condition


def for_person(user) -> Q:
    return for_organisations(access_for(user).memberships)


def organisations_in(announcement) -> Q:
    """A Q over Organisation: the organisations in the announcement's audience."""
    kinds = Q(kind__in=KINDS[announcement.audience])
    if announcement.audience == AudienceKind.EVENT:
        group = registry.audience_group(announcement.audience)
        if group is None:
            return Q(pk__in=[])
        return kinds & group.organisations(announcement.group_id)
    return kinds & registry.organisations_taking_part(announcement.scheme_year)


def people_in(announcement) -> Q:
    """A Q over User: the active people of the organisations in the audience."""
    membership = User._meta.get_field("memberships").related_model  # scheme names no app above
    organisation = membership._meta.get_field("organisation").related_model
    members = membership.objects.filter(
        user=OuterRef("pk"),
        organisation__in=organisation.objects.filter(organisations_in(announcement)),
    )
    return Q(is_active=True) & Q(Exists(members))
