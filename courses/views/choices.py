"""The endpoint the task form's organisation search asks (scheme/choices.py)."""

from courses.choices import task_organisations
from courses.views._common import administered_event
from organisations import choices
from scheme.choices import search_page


def task_organisation_choices(request, pk):
    """A page of the organisations a task at the event may be given to, for caseworkers of the
    body running it (403 for other roles, 404 for an event they cannot see)."""
    event = administered_event(request, pk)
    rows = choices.rows_for_search(task_organisations(event))
    return search_page(request, rows, choices.search, choices.label)
