"""Who sees which organisations because of mentoring: the people of a live pairing see each
other's whole profile (mentors in the pilot got only a name to search for)."""

from django.db.models import Q

from mentoring.models import LIVE_STATUSES, PairingMember
from scheme.roles import OrganisationKind


def paired_organisations(user, access) -> Q:
    own = access.organisation_ids(OrganisationKind.MENTOR, OrganisationKind.PARTICIPANT)
    if not own:
        return Q(pk__in=[])
    live = PairingMember.objects.filter(pairing__status__in=LIVE_STATUSES)
    mentees = live.filter(pairing__mentor_id__in=own).values("organisation_id")
    mentors = live.filter(organisation_id__in=own).values("pairing__mentor_id")
    return Q(pk__in=mentees) | Q(pk__in=mentors)
