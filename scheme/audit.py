"""The audit trail of every state change made through a service.

Two layers: django-auditlog stores the field-by-field history of registered models (who, when,
old and new values; shown in the admin), and ``record`` adds one human-readable line to the
timeline of the object the change is about.
"""

from django.contrib.contenttypes.models import ContentType

from scheme.compiled import kept
from scheme.models import Event


def record(actor, verb: str, target, detail: str = "") -> Event:
    """Add a line to ``target``'s timeline. Call it inside the service's transaction."""
    return Event.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        detail=str(detail)[:500],
    )


def timeline(target, limit: int = 50):
    """The newest events about ``target``, with their actors, in one query."""
    return _events_about(ContentType.objects.get_for_model(target).pk, limit, target_id=target.pk)


@kept(params=["target_id"])
def _events_about(type_id, limit, target_id):
    events = Event.objects.filter(target_type_id=type_id, target_id=target_id)
    return events.select_related("actor")[:limit]
