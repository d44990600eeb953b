"""The dashboard's message panels: threads waiting for the person's answer, and for
caseworkers the organisations waiting for them, oldest first (one query each); and the weekly
digest's unread messages."""

from django.urls import reverse
from django.utils.translation import gettext as _

from scheme.compiled import kept_per_access
from scheme.conversations.models import Thread
from scheme.conversations.services import waiting_for_caseworkers
from scheme.registry import Panel, register_digest_section, register_panel
from scheme.roles import access_for

PANEL_SIZE = 8
DIGEST_SIZE = 20


def waiting_for_you_panel(request):
    """Threads whose last message came from another organisation than the person's."""
    access = access_for(request.user)
    if access.is_caseworker or not access.memberships:
        return None
    threads = list(_waiting_for_you(request.user))
    return Panel("conversations/panels/waiting_for_you.html", {"threads": threads}, order=15)


@kept_per_access
def _waiting_for_you(user):
    return (
        Thread.objects.visible_to(user)
        .waiting_for(access_for(user).organisation_ids())
        .select_related("organisation")
        .order_by("waiting_since", "id")[:PANEL_SIZE]
    )


def waiting_for_us_panel(request):
    if not access_for(request.user).is_caseworker:
        return None
    threads = list(_waiting_for_us(request.user))
    return Panel("conversations/panels/waiting_for_us.html", {"threads": threads}, order=15)


@kept_per_access
def _waiting_for_us(user):
    return waiting_for_caseworkers(user)[:PANEL_SIZE]


def digest_section(user, since) -> list:
    """The weekly digest's lines: threads with messages the person has not read, from the
    week (one query)."""
    threads = (
        Thread.objects.visible_to(user)
        .unread_by(user)
        .filter(last_message_at__gte=since)
        .order_by("-last_message_at", "-id")[:DIGEST_SIZE]
    )
    return [
        (
            _("New messages: %(kind)s, %(title)s") % {"kind": t.kind_label, "title": t.title},
            reverse("conversations:thread", args=[t.kind, t.object_id]),
        )
        for t in threads
    ]


def register():
    register_panel(waiting_for_you_panel)
    register_panel(waiting_for_us_panel)
    register_digest_section(digest_section)
