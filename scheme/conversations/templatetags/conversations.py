from django import template

from scheme import registry
from scheme.conversations import services

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_threads(context) -> int:
    """How many threads have messages the signed-in person has not read (cached)."""
    user = context["request"].user
    return services.unread_thread_count(user) if user.is_authenticated else 0


@register.inclusion_tag("conversations/thread_link.html", takes_context=True)
def thread_link(context, obj):
    """A link to the thread on ``obj``, marked when it has unread messages, for the people who
    may read it (no query where the kind answers from the object, or for the pair's own people
    on a pairing; the unread threads are the header's cached set)."""
    user = context["request"].user
    kind = registry.thread_kind_of(obj)
    if kind is None or not _may_read(kind, user, obj):
        return {"kind": None}
    unread = (kind.code, obj.pk) in services.unread_threads(user)
    return {"kind": kind, "object": obj, "unread": unread}


def _may_read(kind, user, obj) -> bool:
    """The page shows ``obj`` to the user (through the model's ``visible_to``); is its thread
    for them too?"""
    return kind.same_as_object or kind.may_read(user, obj)
