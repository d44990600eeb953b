"""The portal's URLs plus a bare one-query view, the baseline the page benchmark compares to.

Only ``bench/pages.py`` uses this module (through ``ROOT_URLCONF``); the portal never does.
"""

from django.http import HttpResponse
from django.urls import include, path

from organisations.models import Organisation


def baseline(request):
    """One query, no template: what the middleware stack and the test client cost alone."""
    return HttpResponse(str(Organisation.objects.only("id").first().pk))


urlpatterns = [
    path("bench/baseline/", baseline, name="bench_baseline"),
    path("", include("scheme.urls")),
]
