"""Choices among many rows (organisations, people): search as you type instead of a select of
every row. A page renders only the chosen rows; the browser (static/js/search-select.js, Tom
Select) asks a paged JSON endpoint as people type. Each app keeps its endpoint beside its rows,
and the one function that says which rows a field offers is used both for the field's queryset
and by the endpoint (``search_page``).

Without JavaScript the select still holds the chosen rows, and a text box under it takes an
organisation number, a name or an e-mail address, which the server looks up among the same
rows (``SearchChoiceField.typed``)."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

PAGE_SIZE = 20
TYPED_SUFFIX = "__typed"


class Typed(str):
    """What someone wrote in the text box (no JavaScript), for the field to look up."""


def _ids(values) -> list[int]:
    """The row ids among ``values`` (a chosen option's value), leaving out what was typed."""
    return [
        int(v)
        for v in values
        if isinstance(v, int) or (isinstance(v, str) and not isinstance(v, Typed) and v.isdigit())
    ]


class SearchSelect(forms.Select):
    """A select holding only the chosen rows, marked for search-select.js to search ``url``,
    and under it the text box that takes what was typed without JavaScript."""

    typed_help = _("Without the search: write the organisation number or the exact name.")

    def __init__(self, url="", attrs=None, *, depends_on="", typed_help=None):
        """``depends_on``: another field of the form whose value is sent along (``?mentor=``)."""
        super().__init__(attrs)
        self.url, self.depends_on = url, depends_on
        if typed_help is not None:
            self.typed_help = typed_help

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(self._search_attrs())
        typed = [v for v in self._values(value) if isinstance(v, Typed)]
        context["widget"]["typed"] = {
            "name": name + TYPED_SUFFIX,
            "id": f"{context['widget']['attrs'].get('id', name)}{TYPED_SUFFIX}",
            "value": "\n".join(typed),
            "help": self.typed_help,
        }
        return context

    def _render(self, template_name, context, renderer=None):
        """The select (Django's), then the text box shown when JavaScript is off."""
        select = super()._render(template_name, context, renderer)
        typed = context["widget"]["typed"]
        if context["widget"]["attrs"].get("multiple"):
            box = '<textarea name="{}" id="{}" class="form-control" rows="3">{}</textarea>'
        else:
            box = '<input type="text" name="{}" id="{}" class="form-control" value="{}">'
        return format_html(
            '{}\n\n<noscript>\n  <label class="form-label small mt-2 mb-1" for="{}">{}</label>'
            "\n  {}\n</noscript>",
            select,
            typed["id"],
            typed["help"],
            format_html(box, typed["name"], typed["id"], typed["value"]),
        )

    def _search_attrs(self) -> dict:
        """The endpoint and the texts the script shows, in the reader's language."""
        attrs = {
            "data-search-url": self.url,
            "data-text-placeholder": gettext("Type to search"),
            "data-text-none": gettext("No matches"),
            "data-text-loading": gettext("Searching …"),
            "data-text-more": gettext("Loading more …"),
            "data-text-end": gettext("No more matches"),
            "data-text-remove": gettext("Remove"),
        }
        if self.depends_on:
            attrs["data-search-with"] = self.depends_on
        return attrs

    @staticmethod
    def _values(value) -> list:
        if value is None:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    def format_value(self, value):
        return [str(v) for v in self._values(value) if v not in (None, "")]

    def optgroups(self, name, value, attrs=None):
        """Only the empty choice (of an optional single field) and the rows chosen: one query,
        none when the form was given the rows themselves as initial values."""
        field = self.choices.field
        chosen = field.chosen_rows(value)
        options = []
        if not self.allow_multiple_selected and field.empty_label is not None:
            options.append(self.create_option(name, "", field.empty_label, not chosen, 0))
        for row in chosen:
            label = field.label_from_instance(row)
            options.append(self.create_option(name, str(row.pk), label, True, len(options)))
        return [(None, options, 0)]

    def value_from_datadict(self, data, files, name):
        typed = data.get(name + TYPED_SUFFIX, "").strip()
        if typed:
            return Typed(typed)
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + TYPED_SUFFIX not in data


class SearchSelectMultiple(SearchSelect, forms.SelectMultiple):
    """Several rows; the text box takes one per line."""

    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        chosen = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        lines = data.get(name + TYPED_SUFFIX, "").splitlines()
        return [*chosen, *(Typed(line.strip()) for line in lines if line.strip())]


class SearchChoiceMixin:
    """What both fields share: the search, the rows already known, and the look-up of what
    was typed (no JavaScript) among the rows offered."""

    def _setup(self, search: Callable, row_label: Callable | None):
        self.search = search
        self._row_label = row_label
        self._known = {}

    def __deepcopy__(self, memo):
        """Each form has its own rows known (a form class's field is copied per form)."""
        result = super().__deepcopy__(memo)
        result._known = {}
        return result

    def label_from_instance(self, obj):
        return self._row_label(obj) if self._row_label else str(obj)

    def prepare_value(self, value):
        """Rows given as initial values are remembered, so rendering them costs no query."""
        for row in value if isinstance(value, list | tuple) else [value]:
            if hasattr(row, "_meta"):
                self._known[str(row.pk)] = row
        return super().prepare_value(value)

    def chosen_rows(self, value) -> list:
        values = SearchSelect._values(value)
        ids = [str(pk) for pk in _ids(values)]
        missing = [pk for pk in ids if pk not in self._known]
        if missing:
            self._known.update((str(r.pk), r) for r in self.queryset.filter(pk__in=missing))
        return [self._known[pk] for pk in dict.fromkeys(ids) if pk in self._known]

    def typed(self, text: str):
        """The one row offered that ``text`` names: its exact name (or e-mail address), or the
        only row the search finds."""
        rows = list(self.search(self.queryset, text)[:10])
        exact = [row for row in rows if str(row).casefold() == text.casefold()]
        rows = exact or rows
        if not rows:
            raise ValidationError(self.error_messages["not_found"] % {"text": text}, "not_found")
        if len(rows) > 1:
            raise ValidationError(self.error_messages["several"] % {"text": text}, "several")
        return rows[0]


ORGANISATION_MESSAGES = {
    "required": _("Choose an answer."),
    "invalid_choice": _("That organisation cannot be chosen here. Search again and choose one."),
    "not_found": _("No organisation here has the number or name “%(text)s”."),
    "several": _("Several organisations match “%(text)s”. Write the organisation number."),
}


class SearchChoiceField(SearchChoiceMixin, forms.ModelChoiceField):
    """One row among many; ``url`` is the endpoint that searches the same rows."""

    def __init__(self, queryset, *, url, search, row_label=None, messages=None, widget=None, **kw):
        widget = widget or SearchSelect(url)
        kw["error_messages"] = {
            **(messages or ORGANISATION_MESSAGES),
            **kw.get("error_messages", {}),
        }
        super().__init__(queryset, widget=widget, **kw)
        self._setup(search, row_label)

    def to_python(self, value):
        if isinstance(value, Typed):
            return self.typed(value)
        return super().to_python(value)


class SearchMultipleChoiceField(SearchChoiceMixin, forms.ModelMultipleChoiceField):
    """Several rows among many."""

    def __init__(self, queryset, *, url, search, row_label=None, messages=None, widget=None, **kw):
        widget = widget or SearchSelectMultiple(url)
        kw["error_messages"] = {
            **(messages or ORGANISATION_MESSAGES),
            **kw.get("error_messages", {}),
        }
        super().__init__(queryset, widget=widget, **kw)
        self._setup(search, row_label)

    def _check_values(self, value):
        """The ids chosen in the list, and the rows named in the text box."""
        typed = [self.typed(text) for text in value if isinstance(text, Typed)]
        ids = [v for v in value if not isinstance(v, Typed)]
        rows = super()._check_values(ids) if ids else self.queryset.none()
        if not typed:
            return rows
        return self.queryset.filter(pk__in=[*ids, *(row.pk for row in typed)])


def search_page(request, rows, search: Callable, row_label: Callable = str) -> JsonResponse:
    """One page (``?q=&page=``) of ``rows`` matching what was typed, as Tom Select reads it:
    ``{"results": [{"value", "text"}], "more": bool}``. One query: a row past the page says
    whether there are more."""
    text = request.GET.get("q", "").strip()
    page = request.GET.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    if text:
        rows = search(rows, text)
    start = (page - 1) * PAGE_SIZE
    found = list(rows[start : start + PAGE_SIZE + 1])
    results = [{"value": str(row.pk), "text": row_label(row)} for row in found[:PAGE_SIZE]]
    return JsonResponse({"results": results, "more": len(found) > PAGE_SIZE})
