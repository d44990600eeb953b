"""Small helpers shared by the views of every app."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django_filters import OrderingFilter

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page; a page number out of range gives the last page, not an error."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def get_visible_or_404(queryset, user, **lookup):
    """The object the user may see, or 404 for missing and hidden alike, so that another
    body's or organisation's ids cannot be probed. ``queryset`` (or a model) must have
    ``visible_to(user)``."""
    manager = getattr(queryset, "_default_manager", queryset)
    return get_object_or_404(manager.all().visible_to(user), **lookup)


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
