"""The scheme's own contributions to the dashboard: unread notifications and this year's rules."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from scheme.compiled import kept_per_access
from scheme.models import Notification, Scheme, SchemeYear
from scheme.registry import Panel, register_panel
from scheme.roles import Role, access_for


def notifications_panel(request):
    unread = list(_newest_unread(request.user))
    return Panel("scheme/panels/notifications.html", {"unread": unread}, order=90)


@kept_per_access
def _newest_unread(user):
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)[:5]


# The rules change a few times a year, and every member's and caseworker's dashboard shows
# them: kept in the cache, forgotten when a scheme or a scheme year is saved or deleted (and
# after an hour at the latest, in case rows were changed without saving them one by one).
YEARS_TIMEOUT = 60 * 60


def _years_key() -> str:
    return f"dashboard:latest-years:{timezone.localdate().year}"


def latest_years():
    """For each active scheme, its rules for this year, or its latest year before this one."""
    return cache.get_or_set(_years_key(), _latest_years, YEARS_TIMEOUT)


def _forget_latest_years(**kwargs) -> None:
    key = _years_key()
    transaction.on_commit(lambda: cache.delete(key))


def _latest_years():
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
    for model in (Scheme, SchemeYear):
        for signal in (post_save, post_delete):
            signal.connect(
                _forget_latest_years, sender=model, dispatch_uid=f"latest-years-{model.__name__}"
            )
