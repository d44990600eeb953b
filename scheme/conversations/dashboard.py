"""The dashboard's message panels: threads waiting for the person's answer, and for
caseworkers the organisations waiting for them, oldest first (one query each)."""

from scheme.conversations.models import Thread
from scheme.conversations.services import waiting_for_caseworkers
from scheme.registry import Panel, register_panel
from scheme.roles import access_for

PANEL_SIZE = 8


def waiting_for_you_panel(request):
    """Threads whose last message came from another organisation than the person's."""
    access = access_for(request.user)
    if access.is_caseworker or not access.memberships:
        return None
    threads = list(
        Thread.objects.visible_to(request.user)
        .waiting_for(access.organisation_ids())
        .select_related("organisation")
        .order_by("waiting_since", "id")[:PANEL_SIZE]
    )
    return Panel("conversations/panels/waiting_for_you.html", {"threads": threads}, order=15)


def waiting_for_us_panel(request):
    if not access_for(request.user).is_caseworker:
        return None
    threads = list(waiting_for_caseworkers(request.user)[:PANEL_SIZE])
    return Panel("conversations/panels/waiting_for_us.html", {"threads": threads}, order=15)


def register():
    register_panel(waiting_for_you_panel)
    register_panel(waiting_for_us_panel)
