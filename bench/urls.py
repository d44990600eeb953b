"""The portal's URLs plus two reference views the page benchmark compares to.

Only ``bench/pages.py`` uses this module (through ``ROOT_URLCONF``); the portal never does.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path

from organisations.models import Organisation


def baseline(request):
    """One query, no template: what the middleware stack and the test client cost alone."""
    return HttpResponse(str(Organisation.objects.only("id").first().pk))


def layout(request):
    """One query shown in the portal's layout (header, menu, footer and their context
    processors): what every page pays before its own content. For reference only."""
    return render(request, "base.html", {"first": Organisation.objects.only("id").first()})


urlpatterns = [
    path("bench/baseline/", baseline, name="bench_baseline"),
    path("bench/layout/", layout, name="bench_layout"),
    path("", include("scheme.urls")),
]
