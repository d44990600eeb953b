"""Who sees which organisations because of mentoring: the people of a live pairing see each
other's whole profile (mentors in the pilot got only a name to search for). Who takes part in
a scheme year because of mentoring: both sides of a pairing that ran during it."""

from django.db.models import Exists, OuterRef, Q

from mentoring.models import LIVE_STATUSES, Pairing, PairingMember
from scheme.registry import organisation_among
from scheme.roles import OrganisationKind


def paired_organisations(user, access) -> Q:
    own = access.organisation_ids(OrganisationKind.MENTOR, OrganisationKind.PARTICIPANT)
    if not own:
        return Q(pk__in=[])
    live = PairingMember.objects.filter(pairing__status__in=LIVE_STATUSES)
    mentees = live.filter(pairing__mentor_id__in=own).values("organisation_id")
    mentors = live.filter(organisation_id__in=own).values("pairing__mentor_id")
    return Q(pk__in=mentees) | Q(pk__in=mentors)


def _running_in(pairings, year):
    """The pairings that ran for some of ``year`` (a number or an OuterRef to one)."""
    return pairings.filter(starts_on__year__lte=year).filter(
        Q(ends_on__isnull=True) | Q(ends_on__year__gte=year)
    )


def organisations_paired_in(scheme_year) -> Q:
    """A Q over Organisation: the mentors and participants of the year's pairings."""
    pairings = _running_in(
        Pairing.objects.filter(scheme_id=scheme_year.scheme_id), scheme_year.year
    )
    members = PairingMember.objects.filter(pairing__in=pairings).values("organisation_id")
    return Q(pk__in=pairings.values("mentor_id")) | Q(pk__in=members)


def years_paired(organisation_ids) -> Q:
    """A Q over SchemeYear: the years in which one of these organisations was in a pairing
    (``organisation_ids`` as ``registry.TakingPart.years`` is given them)."""
    pairings = Pairing.objects.filter(
        organisation_among("mentor_id", organisation_ids)
        | organisation_among("members__organisation_id", organisation_ids),
        scheme_id=OuterRef("scheme_id"),
    )
    return Q(Exists(_running_in(pairings, OuterRef("year"))))
