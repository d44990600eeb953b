"""The organisations a practical task at an event may be given to: the task form's search field
and its endpoint (courses/views/choices.py) both take them from here (scheme/choices.py)."""

from django.db.models import Exists, OuterRef
from django.urls import reverse

from courses.models import Registration
from organisations import choices


def task_organisations(event):
    """The organisations the event is for, those registered for it first."""
    registered = Registration.objects.active().filter(event=event, organisation=OuterRef("pk"))
    return (
        event.audience_organisations()
        .annotate(registered=Exists(registered))
        .order_by("-registered", "name", "id")
    )


def task_organisations_field(event, **kwargs):
    url = reverse("courses:task_organisations", args=[event.pk])
    return choices.search_field(task_organisations(event), url, multiple=True, **kwargs)
