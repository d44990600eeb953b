"""Helpers every grant use case shares: who may act, who hears about it, links."""

from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import lazy

from grants.workflows import acts_for_organisation
from scheme.formatting import format_day, format_nok
from scheme.roles import MemberRole, access_for, require

# Amounts, dates and choices in notifications are formatted when each reader's copy is made,
# in the reader's language (notify() formats the text inside translation.override).
_nok = lazy(format_nok, str)
_day = lazy(format_day, str)


class Missing(NamedTuple):
    """Something that stops an application or a report from being sent, and the part (the
    step of its form) that fixes it."""

    part: str
    message: str


# --- who may do what -----------------------------------------------------------------------


def _require_member(actor, organisation):
    require(acts_for_organisation(access_for(actor), organisation.pk))


def _scheme_of(application):
    return application.round.scheme_year.scheme


def _state_error(message):
    return ValidationError(message, code="invalid_state")


def _clean_changed(instance, **fields):
    """Validate only the fields a change sets (their maximum length, say), so that text saved
    before the limits never blocks someone else's step; ``fields`` maps each model field to
    the name its errors go under (the service's argument, the form's field)."""
    try:
        instance.clean_fields(
            exclude=[f.name for f in instance._meta.fields if f.name not in fields]
        )
    except ValidationError as error:
        raise ValidationError(
            {fields[name]: messages for name, messages in error.message_dict.items()}
        ) from None


# --- who hears about it ----------------------------------------------------------------------


def _members(organisation):
    return get_user_model().objects.filter(memberships__organisation=organisation, is_active=True)


def _approvers(application, *, besides):
    """The approvers of the administering body of the application's scheme, but ``besides``
    (who proposed the decision or attested the payment they are to approve)."""
    return (
        get_user_model()
        .objects.filter(
            memberships__organisation_id=_scheme_of(application).administrator_id,
            memberships__role=MemberRole.APPROVER,
            is_active=True,
        )
        .exclude(pk=besides.pk)
    )


def _caseworkers(application):
    """The assigned caseworker, or every caseworker of the administering body (also when the
    assigned one has left it or been deactivated, so nothing goes unread)."""
    body = get_user_model().objects.filter(
        memberships__organisation_id=_scheme_of(application).administrator_id, is_active=True
    )
    if application.caseworker_id:
        assigned = list(body.filter(pk=application.caseworker_id))
        if assigned:
            return assigned
    return body


def _application_url(application):
    return reverse("grants:application", args=[application.pk])


def _award_url(award):
    return reverse("grants:award", args=[award.pk])
