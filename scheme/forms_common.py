"""What every form of the portal shares: plain error messages, and the error summary that
lists every problem of a form and of its inline rows at once."""

from dataclasses import dataclass
from functools import cached_property

import django_filters
from django import forms
from django.core.validators import EMPTY_VALUES
from django.db.models import F
from django.forms.models import ModelChoiceIterator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from scheme.compiled import kept

ROW_NAME = _("Line %(number)s")

CHOICE_FIELDS = (forms.ChoiceField, forms.ModelChoiceField, forms.BooleanField)
NUMBER_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)


def _plain_messages(field) -> dict:
    """The portal's words for what Django says in its own (``Feltet er påkrevet.``)."""
    if isinstance(field, forms.FileField):
        required = _("Choose a file.")
    elif isinstance(field, CHOICE_FIELDS):
        required = _("Choose an answer.")
    else:
        required = _("Fill in this field.")
    messages = {
        "required": required,
        "min_value": _("The lowest allowed is %(limit_value)s."),
        "max_value": _("The highest allowed is %(limit_value)s."),
        "max_length": _("Write at most %(limit_value)d characters (now %(show_value)d)."),
    }
    if isinstance(field, forms.DateField):
        messages["invalid"] = _("Write the date as dd.mm.yyyy, for example 17.05.2024.")
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = _("Write a whole number, for example 12.")
    elif isinstance(field, NUMBER_FIELDS):
        messages["invalid"] = _("Write a number, for example 12,5.")
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = _("Write an e-mail address, for example navn@example.no.")
    return messages


def _django_defaults(field) -> dict:
    defaults = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    return defaults


class PlainErrorsMixin:
    """Plain error messages on every field of the form, in place of Django's stock ones; a
    message a form or field chose itself is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            defaults = _django_defaults(field)
            for code, message in _plain_messages(field).items():
                if field.error_messages.get(code, defaults.get(code)) is defaults.get(code):
                    field.error_messages[code] = message


@dataclass(frozen=True)
class Problem:
    """One line of the error summary: ``href`` links to the field, when there is one."""

    message: str
    label: str = ""
    href: str = ""


def _target_id(field) -> str:
    """The element a link to ``field`` goes to: its input, or a group's first option."""
    if field.id_for_label:
        return field.id_for_label
    options = field.subwidgets
    return options[0].id_for_label if options else ""


def _field_problems(form, row="") -> list[Problem]:
    """``row``: the inline row's name ("Line 2"), put before the field's label."""
    problems = []
    for field in form:
        label = ", ".join(part for part in (row, str(field.label or "")) if part)
        target = _target_id(field)
        href = f"#{target}" if target else ""
        problems += [Problem(str(error), label, href) for error in field.errors]
    return problems


def _row_problems(formset) -> list[Problem]:
    """The formset's own errors, then every row's, each named by its number (the formset's
    ``row_name``, "Line %(number)s" by default, as the rows' legends say)."""
    row_name = getattr(formset, "row_name", ROW_NAME)
    problems = [Problem(str(error)) for error in formset.non_form_errors()]
    for number, row in enumerate(formset, start=1):
        name = str(row_name) % {"number": number}
        problems += [Problem(str(error), name) for error in row.non_field_errors()]
        problems += _field_problems(row, name)
    return problems


def error_summary(*forms_and_formsets) -> list[Problem]:
    """Every problem of the given bound forms and formsets, in page order; anything else
    (an unset template variable) is skipped, and so is a form given twice."""
    problems, seen = [], set()
    for item in forms_and_formsets:
        if not getattr(item, "is_bound", False) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, forms.BaseFormSet):
            problems += _row_problems(item)
        else:
            problems += [Problem(str(error)) for error in item.non_field_errors()]
            problems += _field_problems(item)
    return problems


class _FormatWhenShown:
    """``fmt % label`` worked out when the label is shown, in the reader's language: filters
    are declared once per process, so an eager ``%`` would keep the first request's language."""

    def __init__(self, fmt):
        self.fmt = fmt

    def __mod__(self, label):
        return _format_lazily(self.fmt, label)


_format_lazily = lazy(lambda fmt, label: str(fmt) % label, str)


class StableOrderingFilter(django_filters.OrderingFilter):
    """The portal's sort options: in the portal's words ("(descending)" has no Norwegian in
    django-filter), paging cleanly: unknown values (``nullable``) come last and ties are
    broken by ``tie_breakers``."""

    descending_fmt = _FormatWhenShown(_("%s (descending)"))
    nullable: set = set()
    tie_breakers = ("id",)

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        name = value.lstrip("-")
        if name not in self.nullable:
            return value
        if value.startswith("-"):
            return F(name).desc(nulls_last=True)
        return F(name).asc(nulls_last=True)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, *self.tie_breakers) if value else qs


class KeptFilterSet(django_filters.FilterSet):
    """A filter set whose filtering follows from its valid values alone (``values``): a
    list's query can be kept under them (``scheme.compiled``), built by ``filter_by``, which
    filters by given values without reading a form."""

    @property
    def values(self) -> tuple:
        """The valid filters given (empty ones left out, as filtering ignores them) and their
        values, as a key."""
        if not self.is_bound:
            return ()
        self.form.errors  # noqa: B018 (cleans the form once: cleaned_data holds the valid filters)
        return tuple(
            (name, tuple(value) if isinstance(value, list) else value)
            for name, value in sorted(self.form.cleaned_data.items())
            if value not in EMPTY_VALUES
        )

    def filter_queryset(self, queryset):
        return self.filter_by(queryset, self.values)

    def filter_by(self, queryset, values):
        """``queryset`` filtered by ``values`` (as ``values`` gives them)."""
        for name, value in values:
            queryset = self.filters[name].filter(queryset, value)
        return queryset


class PortalForm(PlainErrorsMixin, forms.Form):
    """The base of the portal's forms."""


class PortalModelForm(PlainErrorsMixin, forms.ModelForm):
    """The base of the portal's model forms."""


class _RowsIterator(ModelChoiceIterator):
    """The choices of a ``RowsChoiceField``: its rows, read once."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.field.rows:
            yield self.choice(row)

    def __len__(self):
        return len(self.field.rows) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.rows)


class RowsChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that reads its rows once, when they are first needed: the choices
    shown and the one chosen already share them (Django reads them for each)."""

    iterator = _RowsIterator

    def _set_queryset(self, queryset):
        """A fresh queryset is taken as it is, not copied (``all()``): a kept one
        (``scheme.compiled``) then reads its rows with the SQL compiled already."""
        self._queryset = queryset
        self.widget.choices = self.choices
        self.__dict__.pop("rows", None)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    @cached_property
    def rows(self) -> list:
        return list(self.queryset)

    def offer(self, rows) -> None:
        """Offer ``rows``, read already (and shared by the forms of a page)."""
        self.queryset = self.queryset.model.objects.filter(pk__in=[row.pk for row in rows])
        self.rows = rows


class NamedChoicesField(RowsChoiceField, forms.ModelMultipleChoiceField):
    """Checkboxes of one of the short named lists (competence areas, target groups,
    languages): every row, read by a query kept per list (``every``), once per form."""

    widget = forms.CheckboxSelectMultiple

    def __deepcopy__(self, memo):
        field = super().__deepcopy__(memo)
        field.queryset = every(self.queryset.model)  # a fresh copy for each form
        return field


@kept
def every(model):
    """Every row of ``model``, in its order."""
    return model._default_manager.all()
