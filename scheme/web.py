"""Small helpers shared by the views of every app."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import OrderingFilter

from scheme.compiled import first_row

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page; a page number out of range gives the last page, not an error."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# The name under which each row of a counted page brings the number of all rows.
ROWS_IN_ALL = "rows_in_all"


class _CountedPaginator(Paginator):
    """A Paginator whose page query also counts all the rows (``COUNT(*) OVER ()``), so a
    list whose filter is costly to build and plan (``visible_to`` over several apps) runs it
    once, not twice (a count, then the page). Only a number past the last page needs the
    count of its own, to find the last page, as Paginator does."""

    def get_page(self, number):
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            wanted = 1
        if wanted < 1:
            return super().get_page(number)
        bottom = (wanted - 1) * self.per_page
        counted = self.object_list.annotate(**{ROWS_IN_ALL: Window(Count("*"))})
        rows = list(counted[bottom : bottom + self.per_page])
        if not rows and wanted > 1:
            return super().get_page(number)
        counts = [_take_rows_in_all(row) for row in rows]
        self.count = counts[0] if counts else 0
        return self._get_page(rows, wanted, self)


def _take_rows_in_all(row) -> int:
    """The count a row brought, taken off it: the rows are as ``paginate`` gives them."""
    return (row if isinstance(row, dict) else row.__dict__).pop(ROWS_IN_ALL)


def paginate_counted(request, queryset, per_page: int = PAGE_SIZE):
    """``paginate`` in one query where the page has rows (``_CountedPaginator``): for lists
    whose filter costs more than counting the rows it leaves. ``queryset`` gives model
    instances or ``values()`` dicts."""
    return _CountedPaginator(queryset, per_page).get_page(request.GET.get("page"))


def get_visible_or_404(queryset, user, **lookup):
    """The object the user may see, or 404 for missing and hidden alike, so that another
    body's or organisation's ids cannot be probed. ``queryset`` (or a model) must have
    ``visible_to(user)``."""
    manager = getattr(queryset, "_default_manager", queryset)
    return get_object_or_404(manager.all().visible_to(user), **lookup)


def only_or_404(queryset):
    """The first object of ``queryset`` (a kept queryset, ``scheme.compiled``, that already
    says which object the user may see), or 404 for missing and hidden alike."""
    found = first_row(queryset)
    if found is None:
        raise Http404
    return found


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def add_formset_errors(formset, error: ValidationError) -> None:
    """Show a service's ValidationError above a formset's rows, where the formset's own
    errors stand (Django has no public way to add them after validation)."""
    formset._non_form_errors = formset.error_class(error.messages)


def query_without_page(request) -> str:
    """The current filters as a query string, for pagination and sorting links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def active_filter_count(filters) -> int:
    """How many filters of a bound filter form (or django-filter FilterSet) narrow the list,
    for the button that folds the filters away on a phone. A sort order is no filter."""
    form = getattr(filters, "form", filters)
    sort_fields = {
        name
        for name, field in getattr(filters, "filters", {}).items()
        if isinstance(field, OrderingFilter)
    }
    return sum(1 for field in form if field.name not in sort_fields and _has_value(field.value()))


def _has_value(value) -> bool:
    if isinstance(value, list | tuple):
        return any(_has_value(item) for item in value)
    return value not in (None, "", False)
