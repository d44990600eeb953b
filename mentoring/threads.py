"""The thread of messages on a pairing (scheme/conversations): the mentor and the
participants share it; the scheme's caseworkers read and write in it only once the pair asks
them in or a flag has been raised about the pairing."""

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mentoring.models import Flag, Pairing, PairingMember
from scheme import registry
from scheme.compiled import first_row, kept
from scheme.conversations.models import Thread
from scheme.roles import OrganisationKind, access_for

KIND = "pairing"


def caseworkers_take_part_q() -> Q:
    """A Q over Pairing: the pair has asked the caseworkers in, or a flag was raised."""
    invited = Thread.objects.filter(
        kind=KIND, object_id=OuterRef("pk"), caseworkers_invited_at__isnull=False
    )
    flagged = Flag.objects.filter(pairing=OuterRef("pk"))
    return Q(Exists(invited)) | Q(Exists(flagged))


def caseworkers_take_part(pairing) -> bool:
    return first_row(_taken_part_in(pk=pairing.pk)) is not None


@kept(params=["pk"])
def _taken_part_in(pk):
    """The pairing ``pk``'s id if the caseworkers take part in its thread (none if not)."""
    return Pairing.objects.filter(caseworkers_take_part_q(), pk=pk).values_list("pk", flat=True)


def readable(user):
    """The pairings whose thread the user may read: their own pairings (``visible_to``); for
    caseworkers of the scheme, those they are asked into."""
    access = access_for(user)
    own = access.organisation_ids(OrganisationKind.MENTOR, OrganisationKind.PARTICIPANT)
    condition = caseworkers_take_part_q()
    if own:  # (a caseworker is in no pair: no subquery that can match nothing)
        condition |= Q(mentor_id__in=own) | Q(
            pk__in=PairingMember.objects.filter(organisation_id__in=own).values("pairing_id")
        )
    return (
        Pairing.objects.visible_to(user)
        .filter(condition)
        .select_related("mentor", "scheme__administrator")
        .with_members()  # its sides and title name them: one query, not one per member
    )


def may_read(user, pairing) -> bool:
    """``readable`` for a pairing the user sees: no query for the pair's own people (the
    members prefetched by the page)."""
    own = access_for(user).organisation_ids(OrganisationKind.MENTOR, OrganisationKind.PARTICIPANT)
    in_pair = pairing.mentor_id in own or any(
        member.organisation_id in own for member in pairing.members.all()
    )
    return in_pair or caseworkers_take_part(pairing)


def _sides(pairing) -> list:
    sides = pairing.organisations()
    if caseworkers_take_part(pairing):
        sides.append(pairing.scheme.administrator)
    return sides


def _first_participant(pairing):
    members = pairing.members.all()
    return members[0].organisation if members else pairing.mentor


def register() -> None:
    registry.register_thread_kind(
        registry.ThreadKind(
            code=KIND,
            model="mentoring.pairing",
            label=_("Mentor pairing"),
            readable=readable,
            may_read=may_read,
            sides=_sides,
            organisation=_first_participant,
            scheme=lambda pairing: pairing.scheme,
            title=str,
            url=lambda pairing, user: reverse("mentoring:pairing", args=[pairing.pk]),
            answered_by_caseworkers=False,
            caseworkers_invited=True,
        )
    )
