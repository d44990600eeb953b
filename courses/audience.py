"""The organisations registered to an event, as an announcement's audience
(``scheme.registry.AudienceGroup``; scheme/announcements asks it)."""

from django.db.models import Q
from django.utils import timezone

from courses.models import Event, Registration
from scheme import registry


def organisations_registered(event_id) -> Q:
    """A Q over Organisation: those with someone registered (or waiting) for the event."""
    registered = Registration.objects.not_cancelled().filter(event_id=event_id)
    return Q(pk__in=registered.values("organisation_id"))


def events_of(organisation_ids):
    """The ids of the events one of these organisations is registered to."""
    registered = Registration.objects.not_cancelled().filter(organisation_id__in=organisation_ids)
    return registered.values("event_id")


def event_choices(scheme_years) -> list:
    events = Event.objects.filter(scheme_year__in=scheme_years, cancelled_at__isnull=True)
    return [
        (event.pk, f"{timezone.localdate(event.starts_at):%d.%m.%Y} {event.title}")
        for event in events.order_by("starts_at", "pk").only("pk", "title", "starts_at")
    ]


def register() -> None:
    registry.register_audience_group(
        registry.AudienceGroup("event", organisations_registered, events_of, event_choices)
    )
