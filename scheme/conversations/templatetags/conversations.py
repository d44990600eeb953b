from django import template

from scheme import registry
from scheme.conversations import services
from scheme.conversations.models import Thread

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_threads(context) -> int:
    """How many threads have messages the signed-in person has not read (cached)."""
    user = context["request"].user
    return services.unread_thread_count(user) if user.is_authenticated else 0


@register.inclusion_tag("conversations/thread_link.html", takes_context=True)
def thread_link(context, obj):
    """A link to the thread on ``obj`` with its count of unread messages, for the people who
    may read it (two queries)."""
    user = context["request"].user
    kind = registry.thread_kind_of(obj)
    if kind is None or not kind.readable(user).filter(pk=obj.pk).exists():
        return {"kind": None}
    thread = Thread.objects.filter(kind=kind.code, object_id=obj.pk).with_unread(user).first()
    return {"kind": kind, "object": obj, "thread": thread}
