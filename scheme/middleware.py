from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from scheme.roles import access_for

# Pages a caseworker can reach before confirming the login with a code.
OPEN_BEFORE_SECOND_FACTOR = {"two_factor", "logout", "set_language", "landing"}


class RequireTwoFactorMiddleware:
    """Caseworkers and admins must confirm their login with a one-time code.

    Until they have, every page sends them to set up or enter the code. Others are not asked.
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
            and request.resolver_match.url_name not in OPEN_BEFORE_SECOND_FACTOR
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
