"""Signing in: login throttling, idle sessions and the limit on password-reset e-mails.

Login throttling is django-axes with a handler of our own. Every failed login counts against
three limits (``settings.LOGIN_FAILURE_LIMITS``): one e-mail address from one client, one
address from any client (one account attacked from many addresses) and one client over any
addresses (one password sprayed over many accounts). Axes forgets failures an hour
(AXES_COOLOFF_TIME) after the last one. The address is counted as login reads it (trimmed,
lower case), so another spelling is the same account.
"""

import logging
import time

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render

from scheme import ratelimit
from scheme.models import UserManager
from scheme.roles import access_for

log = logging.getLogger(__name__)

# What axes counts the failures of each limit by.
THROTTLES = {
    "account_and_client": ["username", "ip_address"],
    "account": ["username"],
    "client": ["ip_address"],
}
ACCOUNT_THROTTLES = {"account_and_client", "account"}


def login_username(request, credentials) -> str:
    """The e-mail address of a login attempt, normalised exactly as login looks it up."""
    if credentials:
        typed = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        typed = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    return UserManager.normalize_email(typed)


def lockout_parameters(request, credentials) -> list:
    return [THROTTLES[name] for name in settings.LOGIN_FAILURE_LIMITS]


class LoginThrottle(AxesDatabaseHandler):
    """Axes's database handler with a limit of its own for each throttle."""

    def failures_by_throttle(self, request, credentials=None) -> dict[str, int]:
        """Recent failures counted by each throttle, in the order of LOGIN_FAILURE_LIMITS."""
        attempts = self.get_user_attempts(request, credentials)
        return {
            name: queryset.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for name, queryset in zip(settings.LOGIN_FAILURE_LIMITS, attempts, strict=True)
        }

    def throttles_reached(self, request, credentials=None) -> set[str]:
        failures = self.failures_by_throttle(request, credentials)
        return {name for name, count in failures.items() if count >= limit_of(name)}

    def get_failures(self, request, credentials=None) -> int:
        """The failures axes compares with its one limit (AXES_FAILURE_LIMIT), shifted so
        that the limit is reached exactly when any throttle reaches its own."""
        failures = self.failures_by_throttle(request, credentials)
        furthest = max(count - limit_of(name) for name, count in failures.items())
        return get_failure_limit(request, credentials) + furthest

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful login forgets only that account's failures from that client.

        Axes would forget every failure matching any throttle: logging in to one's own
        account would wipe what a client had tried against others, and a success from one
        place would wipe what others had tried against the account from elsewhere.
        """
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count


def limit_of(throttle: str) -> int:
    return settings.LOGIN_FAILURE_LIMITS[throttle]


def locked_out(request, original_response=None, credentials=None):
    """The plain page a locked-out login gets, saying which lock it is and what to do."""
    reached = AxesProxyHandler.get_implementation().throttles_reached(request, credentials)
    return render(
        request,
        "registration/locked_out.html",
        {
            "account_locked": bool(reached & ACCOUNT_THROTTLES),
            "cooloff_minutes": int(get_cool_off(request).total_seconds() // 60),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def password_reset_allowed(email: str, client: str) -> bool:
    """Count one password-reset e-mail for the address and for the client; False when
    either is over its limit (settings.PASSWORD_RESET_LIMITS) in the window."""
    limits, seconds = settings.PASSWORD_RESET_LIMITS, settings.PASSWORD_RESET_WINDOW_SECONDS
    results = [
        ratelimit.hit("password-reset:address", email, limit=limits["address"], seconds=seconds),
        ratelimit.hit("password-reset:client", client, limit=limits["client"], seconds=seconds),
    ]
    if not all(results):
        log.warning("Password-reset e-mail not sent: the limit is reached.")
    return all(results)


# The session keeps the time of the last request (scheme.middleware.IdleSessionMiddleware).
LAST_ACTIVITY = "last_activity"


def note_activity_at_login(sender, request, user, **kwargs):
    """Logging in counts as activity; saved with the new session, so that the first page
    after it writes nothing more."""
    if hasattr(request, "session"):
        request.session[LAST_ACTIVITY] = int(time.time())


def idle_limit_minutes(user) -> int:
    """How long the user's session may stay unused: shorter for caseworkers and admins."""
    if access_for(user).is_caseworker:
        return settings.SESSION_IDLE_MINUTES_STAFF
    return settings.SESSION_IDLE_MINUTES
