import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from scheme.auth import LAST_ACTIVITY, idle_limit_minutes
from scheme.roles import access_for
from scheme.signin import idporten
from scheme.storage import MAX_UPLOAD_BYTES

# Pages a caseworker can reach before confirming the login with a code, besides the public
# ones (marked ``login_not_required``).
OPEN_BEFORE_SECOND_FACTOR = {"two_factor", "logout"}


class RequireTwoFactorMiddleware:
    """Caseworkers and admins must confirm their login with a one-time code.

    Until they have, every page sends them to set up or enter the code. Others are not asked,
    and neither is a login with ID-porten, which counts as two factors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if (
            settings.TWO_FACTOR_REQUIRED
            and user.is_authenticated
            and not user.is_verified()
            and not idporten.counts_as_second_factor(request.session)
            and request.resolver_match.url_name not in OPEN_BEFORE_SECOND_FACTOR
            and getattr(view_func, "login_required", True)
            and access_for(user).is_caseworker
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('two_factor')}?{query}")
        return None


def client_ip(request) -> str:
    """The visitor's IP address, for login throttling.

    Behind ``PROXY_COUNT`` trusted proxies it is the entry they appended to X-Forwarded-For
    (entries before it are whatever the client sent and cannot be trusted).
    """
    count = settings.PROXY_COUNT
    if count:
        forwarded = [
            address.strip()
            for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if address.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


# The time of the last request is rewritten at most this often, so that an active person's
# pages cost no session write each.
ACTIVITY_RESOLUTION_SECONDS = 60


class IdleSessionMiddleware:
    """Log out a person whose session has not been used for their idle limit
    (``scheme.auth.idle_limit_minutes``), and tell them why on the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check_idle(request, now=int(time.time()))
        return self.get_response(request)

    def _check_idle(self, request, now: int) -> None:
        last = request.session.get(LAST_ACTIVITY)
        idle = now - last if last is not None else 0
        shortest = min(settings.SESSION_IDLE_MINUTES_STAFF, settings.SESSION_IDLE_MINUTES)
        if idle > shortest * 60:  # only then is the person's role worth looking up
            minutes = idle_limit_minutes(request.user)
            if idle > minutes * 60:
                logout(request)
                messages.info(
                    request,
                    _(
                        "You were logged out because the portal was not used for %(minutes)d "
                        "minutes. Log in again to go on."
                    )
                    % {"minutes": minutes},
                )
                return
        if last is None or idle >= ACTIVITY_RESOLUTION_SECONDS:
            request.session[LAST_ACTIVITY] = now


class PermissionsPolicyMiddleware:
    """Switch off the browser features the portal never uses (settings.PERMISSIONS_POLICY_OFF)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_OFF)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response


def max_request_bytes() -> int:
    """The largest body the portal reads: one upload at its limit and the rest of the form."""
    return MAX_UPLOAD_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestSizeLimitMiddleware:
    """Refuse a body larger than ``max_request_bytes`` with 413 before any of it is read.

    Django would otherwise stream a huge upload to disk before the form could refuse it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_request_bytes():
            page = render_to_string("413.html", {"max_megabytes": MAX_UPLOAD_BYTES // 2**20})
            return HttpResponse(page, status=413)
        return self.get_response(request)
