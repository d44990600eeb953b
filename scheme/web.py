"""Small helpers shared by the views of every app."""

import functools
import math

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Func, IntegerField, Subquery, Window
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters import OrderingFilter

from scheme.compiled import first_row

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page; a page number out of range gives the last page, not an error."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# A page number past this is taken as past the last page without reading it (a huge OFFSET
# fails in PostgreSQL, and each number read is a query kept).
MAX_PAGE = 100_000
# The name under which each row of a counted page brings the number of all rows.
ROWS_IN_ALL = "rows_in_all"


def counted_page(queryset, number: int, per_page: int = PAGE_SIZE):
    """Page ``number`` of ``queryset``, each row with the number of all rows (``ROWS_IN_ALL``,
    ``COUNT(*) OVER ()``): a page and its list's count in one query."""
    bottom = (number - 1) * per_page
    return queryset.annotate(**{ROWS_IN_ALL: Window(Count("*"))})[bottom : bottom + per_page]


def count_alongside(queryset, counted):
    """``queryset`` with ``ROWS_IN_ALL`` on each row, the number of ``counted``'s rows, as a
    subquery PostgreSQL runs once: a page read by its ids (a subquery of ``counted``) and its
    list's count in one query. A ``distinct()`` list is counted by id, so that rows a join
    repeats count once."""
    if counted.query.distinct:
        counted = counted.model._base_manager.filter(pk__in=counted.order_by().values("pk"))
    total = counted.order_by().values(
        n=Func(F("pk"), function="COUNT", output_field=IntegerField())
    )
    return queryset.annotate(**{ROWS_IN_ALL: Subquery(total)})


def paginate_counted(request, queryset=None, per_page: int = PAGE_SIZE, read=None):
    """``paginate`` in one query where the page has rows, for lists whose filter costs more
    than counting the rows it leaves. ``read(number)`` gives a page's rows with their
    ``ROWS_IN_ALL`` (default: ``counted_page`` of ``queryset``, which gives model instances,
    ``values()`` dicts or ``values_list()`` rows). Only a number past the last page needs the
    count of its own, from the first page, to read the last page, as ``paginate`` gives it."""
    if read is None:
        read = functools.partial(_read_counted_page, queryset, per_page)
    try:
        wanted = int(request.GET.get("page"))
    except (TypeError, ValueError):
        wanted = 1
    rows = list(read(wanted)) if 1 <= wanted <= MAX_PAGE else []
    if not rows and wanted != 1:
        first = list(read(1))
        count = _rows_in_all(first[0]) if first else 0
        wanted = max(1, math.ceil(count / per_page))
        rows = first if wanted == 1 else list(read(wanted))
    paginator = Paginator(rows, per_page)
    paginator.count = _rows_in_all(rows[0]) if rows else 0
    rows = [_without_rows_in_all(row) for row in rows]
    return paginator._get_page(rows, wanted, paginator)


def _read_counted_page(queryset, per_page, number):
    return counted_page(queryset, number, per_page)


def _rows_in_all(row) -> int:
    if isinstance(row, dict):
        return row[ROWS_IN_ALL]
    if isinstance(row, tuple):
        return getattr(row, ROWS_IN_ALL, row[-1])  # a ``values_list`` row brings it last
    return getattr(row, ROWS_IN_ALL)


def _without_rows_in_all(row):
    """The row without the count it brought, as ``paginate`` gives it (a named row keeps it:
    its other fields are read by name)."""
    if isinstance(row, dict):
        row.pop(ROWS_IN_ALL)
    elif isinstance(row, tuple):
        return row if hasattr(row, ROWS_IN_ALL) else row[:-1]
    else:
        row.__dict__.pop(ROWS_IN_ALL)
    return row


def url_for_pk(name: str):
    """A function giving ``reverse(name, args=[pk])`` at the cost of one ``reverse`` (some
    20 µs each), for the links of a list's rows. Call it per request: the URL's prefix is."""
    before, _marker, after = reverse(name, args=[_PK_MARKER]).rpartition(str(_PK_MARKER))
    return lambda pk: f"{before}{pk}{after}"


_PK_MARKER = 918273645  # a pk no URL holds otherwise


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
