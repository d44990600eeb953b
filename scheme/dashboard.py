"""The scheme's own contributions to the dashboard: unread notifications and this year's rules."""

from django.utils import timezone

from scheme.models import Notification, SchemeYear
from scheme.registry import Panel, register_panel
from scheme.roles import Role, access_for


def notifications_panel(request):
    unread = list(Notification.objects.filter(recipient=request.user, read_at__isnull=True)[:5])
    return Panel("scheme/panels/notifications.html", {"unread": unread}, order=90)


def latest_years():
    """For each active scheme, its rules for this year, or its latest year before this one."""
    years = (
        SchemeYear.objects.filter(year__lte=timezone.localdate().year, scheme__is_active=True)
        .select_related("scheme")
        .order_by("scheme__name", "-year")
    )
    latest = {}
    for year in years:
        latest.setdefault(year.scheme_id, year)
    return list(latest.values())


def rules_panel(request):
    """The grant rules of the year, for those who apply for grants or handle them."""
    access = access_for(request.user)
    if not (access.is_caseworker or access.has(Role.MEMBER)):
        return None
    years = latest_years()
    if not years:
        return None
    return Panel("scheme/panels/rules.html", {"years": years}, order=80)


def register():
    register_panel(notifications_panel)
    register_panel(rules_panel)
