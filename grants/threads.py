"""The threads of messages on applications and awards (scheme/conversations): shared by the
organisation and the caseworkers of the scheme's body, who see them by ``visible_to``."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grants.models import Application, Award
from scheme import registry
from scheme.roles import access_for


def _application_sides(application) -> list:
    return [application.organisation, application.round.scheme_year.scheme.administrator]


def _application_url(application, user) -> str:
    name = "grants:review_application" if access_for(user).is_caseworker else "grants:application"
    return reverse(name, args=[application.pk])


def _award_url(award, user) -> str:
    name = "grants:review_award" if access_for(user).is_caseworker else "grants:award"
    return reverse(name, args=[award.pk])


def register() -> None:
    registry.register_thread_kind(
        registry.ThreadKind(
            code="application",
            model="grants.application",
            label=_("Application"),
            readable=lambda user: Application.objects.visible_to(user).select_related(
                "organisation", "round__scheme_year__scheme__administrator"
            ),
            sides=_application_sides,
            organisation=lambda application: application.organisation,
            scheme=lambda application: application.round.scheme_year.scheme,
            title=str,
            url=_application_url,
            same_as_object=True,
            case_object=lambda application: application,
        )
    )
    registry.register_thread_kind(
        registry.ThreadKind(
            code="award",
            model="grants.award",
            label=_("Award"),
            readable=lambda user: Award.objects.visible_to(user).select_related(
                "application__organisation",
                "application__round__scheme_year__scheme__administrator",
            ),
            sides=lambda award: _application_sides(award.application),
            organisation=lambda award: award.application.organisation,
            scheme=lambda award: award.application.round.scheme_year.scheme,
            title=str,
            url=_award_url,
            same_as_object=True,
            case_object=lambda award: award.application,
        )
    )
