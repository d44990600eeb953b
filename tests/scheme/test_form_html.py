"""The Python form renderer (scheme/form_html.py) writes exactly what Django's templates write:
every standard widget with many values and attributes, labels and error lists, and every field
of the portal's forms."""

import datetime
import decimal
import importlib
import inspect
import itertools
import pkgutil

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from scheme.form_html import FormRenderer

TEMPLATES = DjangoTemplates()
PYTHON = FormRenderer()

CHOICES = [
    ("", "---"),
    (1, "One"),
    ("2", "Two & <b>two</b>"),
    ("Group & co", [(3, "Three"), (4, 4.5), ("x", mark_safe("<i>safe</i>"))]),
    (datetime.date(2024, 5, 17), datetime.date(2024, 5, 17)),
    (decimal.Decimal("1234.5"), 1234),
]

VALUES = [
    None,
    "",
    "text & <b>bold</b> \"quoted\" 'single'",
    mark_safe("<i>safe</i>"),
    0,
    3,
    2.5,
    decimal.Decimal("1234.50"),
    True,
    False,
    datetime.date(2024, 5, 17),
    datetime.datetime(2024, 5, 17, 13, 5, tzinfo=datetime.UTC),
    datetime.time(9, 30),
    ["1", "3", "x"],
    [1, "2", datetime.date(2024, 5, 17)],
    ("a", "b"),
]

ATTRS = [
    None,
    {"id": "id_f", "required": True, "disabled": False, "class": "a b"},
    {"id": "id_f", "disabled": True, "checked": True, "data-x": "<q&>", "maxlength": 10},
    {"class": "", "placeholder": mark_safe("<b>")},
]


class _File:
    """A stored file, as a ClearableFileInput shows it."""

    url = "/media/a b&c.pdf"

    def __str__(self):
        return "a&c <x>.pdf"


def _widgets():
    yield from (
        forms.TextInput(),
        forms.TextInput(attrs={"class": "own", "size": 3}),
        forms.NumberInput(),
        forms.EmailInput(),
        forms.URLInput(),
        forms.SearchInput(),
        forms.TelInput(),
        forms.ColorInput(),
        forms.PasswordInput(render_value=True),
        forms.HiddenInput(),
        forms.DateInput(),
        forms.DateInput(format="%d.%m.%Y", attrs={"type": "date"}),
        forms.DateTimeInput(),
        forms.TimeInput(),
        forms.CheckboxInput(),
        forms.Textarea(),
        forms.Textarea(attrs={"rows": 3}),
        forms.Select(choices=CHOICES),
        forms.NullBooleanSelect(),
        forms.SelectMultiple(choices=CHOICES),
        forms.RadioSelect(choices=CHOICES),
        forms.RadioSelect(choices=CHOICES, attrs={"class": "inline"}),
        forms.CheckboxSelectMultiple(choices=CHOICES),
        forms.FileInput(),
        forms.MultipleHiddenInput(),
        forms.SplitDateTimeWidget(),
        forms.SplitHiddenDateTimeWidget(),
        forms.SelectDateWidget(years=[2023, 2024]),
    )
    for required in (False, True):
        widget = forms.ClearableFileInput()
        widget.is_required = required
        yield widget


def _rendered(widget, renderer, value, attrs):
    try:
        return widget.render("f", value, attrs, renderer=renderer)
    except Exception as error:  # the same failure from both renderers is the same result
        return type(error)


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("widget", list(_widgets()), ids=lambda widget: type(widget).__name__)
def test_every_widget_is_written_as_its_template_writes_it(widget, language):
    values = [*VALUES, _File()]
    with translation.override(language), timezone.override("Europe/Oslo"):
        for value, attrs in itertools.product(values, ATTRS):
            expected = _rendered(widget, TEMPLATES, value, attrs)
            assert _rendered(widget, PYTHON, value, attrs) == expected, (value, attrs)


class _Form(forms.Form):
    name = forms.CharField(label="Name & <b>", help_text="Help")
    when = forms.DateField(required=False)
    kinds = forms.MultipleChoiceField(choices=CHOICES[1:3], widget=forms.CheckboxSelectMultiple)

    def clean(self):
        raise forms.ValidationError(["First & <b>", mark_safe("<i>second</i>")])


@pytest.mark.parametrize("data", [None, {}, {"name": "x", "when": "no"}])
def test_labels_and_error_lists_are_written_as_their_templates_write_them(data):
    forms_by_renderer = [_Form(data, renderer=renderer) for renderer in (TEMPLATES, PYTHON)]
    rendered = []
    for form in forms_by_renderer:
        shown = [str(form.non_field_errors()), str(form.errors.get("name", ""))]
        for bound_field in form:
            shown += [bound_field.label_tag(), bound_field.legend_tag(), str(bound_field.errors)]
            shown.append(bound_field.label_tag("", attrs={"class": "x"}))
            shown.append(bound_field.as_field_group())
        rendered.append(shown)
    assert rendered[0] == rendered[1]


def _portal_form_classes():
    for package in ("scheme", "organisations", "grants", "mentoring", "courses", "reports"):
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            if "forms" not in info.name.rsplit(".", 1)[-1] or "migrations" in info.name:
                continue
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


def _instances(cls):
    """The form unbound and bound to nothing (with its errors), where it needs no arguments."""
    for args in ((), ({},)):
        try:
            form = cls(*args)
            form.errors  # noqa: B018 (cleaning may need what the test cannot give)
        except Exception:
            continue
        yield form


@pytest.mark.django_db
def test_every_field_of_the_portals_forms_is_written_as_the_templates_write_it():
    compared = 0
    with translation.override("nb"):
        for cls in _portal_form_classes():
            for form in _instances(cls):
                for bound_field in form:
                    shown = []
                    for renderer in (TEMPLATES, PYTHON):
                        form.renderer = renderer
                        shown.append(bound_field.as_field_group())
                    assert shown[0] == shown[1], (cls, bound_field.name)
                    compared += 1
    assert compared > 100


class _FilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "All"), ("a", "Open"), ("b", "Shut")])
    group = forms.ModelChoiceField(required=False, queryset=None)
    amount = forms.IntegerField(required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from organisations.models import TargetGroup

        self.fields["group"].queryset = TargetGroup.objects.order_by("code")


@pytest.fixture(autouse=True)
def _no_field_groups_kept():
    """Each test starts and ends with no field group kept (one writes "written" for them)."""
    from scheme.form_html import _KEPT_GROUPS

    _KEPT_GROUPS.clear()
    yield
    _KEPT_GROUPS.clear()


def _groups(data):
    """The filter form's field groups, each written by the portal's renderer."""
    return [field.as_field_group() for field in _FilterForm(data, renderer=PYTHON)]


def _by_templates(data):
    return [field.as_field_group() for field in _FilterForm(data, renderer=TEMPLATES)]


@pytest.mark.django_db
def test_a_field_group_is_written_once_for_what_it_shows(monkeypatch, django_assert_num_queries):
    from organisations.models import TargetGroup
    from scheme import form_html

    group = TargetGroup.objects.create(code="kept", name_nb="Kvinner", name_en="Women")
    data = {"status": "a", "group": str(group.pk), "amount": "5"}
    first = _groups(data)
    assert first == _by_templates(data)
    written = []
    monkeypatch.setattr(
        form_html, "_write_field_group", lambda field: written.append(field) or "written"
    )
    # The same fields with the same values, choices and errors: written before, not again;
    # a model's rows are read once, for the key and the choices shown alike.
    with django_assert_num_queries(2):  # the rows: to validate the choice, then to show them
        assert _groups(data) == first
    assert written == []
    # Whatever the field shows that changes is a field group of its own.
    assert _groups({**data, "status": "b"})[0] == "written"
    assert _groups({**data, "amount": "50"})[2] == "written"
    group.name_nb = "Kvinner og jenter"
    group.save()
    assert _groups(data)[1] == "written"  # a row's new name among the choices
    with translation.override("en"):
        assert _groups(data)[0] == "written"
    # A value refused is never kept (the message may repeat it): written each time.
    written.clear()
    refused = {**data, "amount": "-1"}
    for _ in range(2):
        _groups(refused)
    assert [field.name for field in written].count("amount") == 2


class _PersonForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput)
    token = forms.CharField(widget=forms.HiddenInput)


@pytest.mark.parametrize(
    "data", [{"email": "kari@example.no", "password": "hemmelig", "token": "t"}]
)
def test_what_a_person_typed_is_never_kept(data):
    """Free text given (a name, an e-mail address), a password and a hidden token are written
    each time, never kept in the process's memory."""
    from scheme.form_html import _KEPT_GROUPS

    for bound_field in _PersonForm(data, renderer=PYTHON):
        bound_field.as_field_group()
    assert _KEPT_GROUPS == {}
    for bound_field in _PersonForm(renderer=PYTHON):  # the blank form: nothing typed
        bound_field.as_field_group()
    assert len(_KEPT_GROUPS) == 1  # the blank e-mail field (a password field never)


@pytest.mark.django_db
def test_field_groups_kept_are_the_templates_field_groups_for_every_change():
    from organisations.models import TargetGroup

    group = TargetGroup.objects.create(code="kept", name_nb="Kvinner", name_en="Women")
    for data in (None, {}, {"status": "b", "group": str(group.pk)}, {"amount": "x"}):
        for _ in range(2):
            assert _groups(data) == _by_templates(data)
    group.name_nb = "Kvinner og jenter"
    group.save()
    assert "Kvinner og jenter" in _groups({"group": str(group.pk)})[1]
