"""The pages anyone may read without logging in: the landing page (scheme/views.py), each
scheme's public page, and what the apps add (registered with
``scheme.registry.register_public_section``; the grants app's calls and awarded grants).

Public pages show no personal data and are the same for every visitor who has not logged in,
so any cache may keep them for a few minutes (``public_page``).
"""

import functools

from django.contrib.auth.decorators import login_not_required
from django.db.models import OuterRef
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers

from scheme.compiled import kept
from scheme.models import AwardCondition, Goal, Scheme, SchemeYear
from scheme.prefetch import set_prefetched
from scheme.queries import JSONRows, columns_of, instances_from
from scheme.registry import public_sections
from scheme.web import only_or_404

# How long a browser or a shared cache may keep a public page shown to a visitor who has not
# logged in. Long enough to take the load of a call's announcement, short enough that a
# corrected deadline shows soon.
PUBLIC_MAX_AGE = 5 * 60


def _seen_as_the_public(request) -> bool:
    """Whether the response is the one every anonymous visitor gets: not for someone logged
    in, without a one-time message (such as "you are logged out") on it, and without a form
    whose CSRF token would hand this visitor's cookie to the next one."""
    messages = getattr(request, "_messages", None)
    return not (
        request.user.is_authenticated
        or getattr(messages, "used", False)
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def public_page(view):
    """Open without login. Anonymous visitors' pages may be kept by any cache for
    ``PUBLIC_MAX_AGE``; a logged-in visitor's (their name is in the header) only by their own
    browser, which asks again each time. Pages differ by language, which comes from the
    language cookie or the browser's Accept-Language, and by login (the session cookie)."""

    @functools.wraps(view)
    def public_view(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if _seen_as_the_public(request):
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return response

    return login_not_required(public_view)


@kept(params=["slug"])
def _public_scheme(slug):
    """The scheme with its goals, award conditions and latest year in its own row (as
    ``JSONRows``: three queries fewer)."""
    latest = SchemeYear.objects.filter(scheme=OuterRef("pk")).order_by("-year")[:1]
    return (
        Scheme.objects.select_related("administrator")
        .annotate(
            goals_json=JSONRows(Goal.objects.filter(scheme=OuterRef("pk")), **columns_of(Goal)),
            conditions_json=JSONRows(
                AwardCondition.objects.filter(scheme=OuterRef("pk")), **columns_of(AwardCondition)
            ),
            latest_json=JSONRows(latest, **columns_of(SchemeYear)),
        )
        .filter(slug=slug)
    )


@public_page
def scheme_page(request, slug):
    """A scheme for the public: who runs it, its purpose, goals, award conditions and this
    year's rules, and what the apps add (its calls and the grants awarded)."""
    scheme = only_or_404(_public_scheme(slug=slug))
    set_prefetched(scheme, "goals", instances_from(Goal, scheme.goals_json))
    set_prefetched(scheme, "conditions", instances_from(AwardCondition, scheme.conditions_json))
    latest = instances_from(SchemeYear, scheme.latest_json)
    context = {
        "scheme": scheme,
        "rules": latest[0] if latest else None,
        "sections": public_sections(scheme),
    }
    return render(request, "scheme/public/scheme.html", context)


def schemes_for_the_public():
    """The schemes a visitor can read about: those running now."""
    return Scheme.objects.filter(is_active=True).select_related("administrator").order_by("name")
