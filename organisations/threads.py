"""The general thread between an organisation and its caseworkers (scheme/conversations).

Its people and the caseworkers read it, as they see the organisation today
(``Organisation.visible_to``); others who see the profile (a paired mentor) do not. The
caseworkers told of a new message are those of the bodies running the schemes it takes part
in, or of every active scheme while it takes part in none."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation
from scheme import registry
from scheme.models import Scheme, SchemeYear
from scheme.roles import OrganisationKind, access_for

THREAD_KINDS = (OrganisationKind.PARTICIPANT, OrganisationKind.MENTOR)


def readable(user):
    access = access_for(user)
    organisations = Organisation.objects.visible_to(user).filter(kind__in=THREAD_KINDS)
    if access.is_caseworker:
        return organisations
    return organisations.filter(pk__in=access.organisation_ids())


def may_read(user, organisation) -> bool:
    """``readable`` for an organisation the user sees."""
    access = access_for(user)
    return organisation.kind in THREAD_KINDS and (
        access.is_caseworker or organisation.pk in access.organisation_ids()
    )


def _bodies(organisation) -> list:
    years = SchemeYear.objects.filter(registry.years_taken_part([organisation.pk]))
    schemes = Scheme.objects.filter(is_active=True)
    if years.exists():
        schemes = Scheme.objects.filter(years__in=years)
    ids = schemes.values("administrator_id")
    return list(Organisation.objects.filter(pk__in=ids))


def register() -> None:
    registry.register_thread_kind(
        registry.ThreadKind(
            code="organisation",
            model="organisations.organisation",
            label=_("General"),
            readable=readable,
            may_read=may_read,
            sides=lambda organisation: [organisation, *_bodies(organisation)],
            organisation=lambda organisation: organisation,
            scheme=lambda organisation: None,
            title=lambda organisation: organisation.name,
            url=lambda organisation, user: reverse("organisations:detail", args=[organisation.pk]),
        )
    )
