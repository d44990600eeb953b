"""``{{ form.x|field }}`` and ``{{ form|fields }}`` (scheme/templatetags/fields.py) give the
same elements, attributes, ids and texts as crispy-forms' bootstrap5 ``|as_crispy_field`` and
``|crispy`` gave, for every kind of field and for every form of the portal (whitespace between
tags aside). crispy-forms is a development dependency for this comparison only."""

import datetime
import re

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe

from tests.scheme.test_form_html import _instances, _portal_form_classes

pytest.importorskip("crispy_bootstrap5")

CHOICES = [(1, "One"), ("2", "Two & <b>two</b>"), (datetime.date(2024, 5, 17), 1234.5)]
GROUPED = [("Group & co", [(3, "Three"), (4, "Four")]), ("Other", [(5, "Five")])]


class _StoredFile:
    """A file stored already, as a FileField's initial value."""

    url = "/media/a b&c.pdf"
    name = "a&c <x>.pdf"

    def __str__(self):
        return self.name


class _KindsForm(forms.Form):
    required_css_class = "required"
    error_css_class = "error"

    name = forms.CharField(label="Name & <b>", help_text=mark_safe("Help <i>here</i>"))
    email = forms.EmailField(required=False)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"class": "own w-25"}))
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="Date")
    at = forms.SplitDateTimeField(required=False)
    choice = forms.ChoiceField(choices=CHOICES, help_text="Pick")
    several = forms.MultipleChoiceField(choices=CHOICES, required=False)
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, help_text="One of")
    grouped = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect, required=False)
    boxes = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple)
    agree = forms.BooleanField(label="I agree", help_text="Needed")
    optional_box = forms.BooleanField(required=False)
    upload = forms.FileField(help_text="A PDF")
    stored = forms.FileField(required=False, initial=_StoredFile())
    stored_required = forms.FileField(initial=_StoredFile())
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    locked = forms.CharField(disabled=True, required=False, initial="fixed")
    locked_file = forms.FileField(disabled=True, required=False, initial=_StoredFile())
    remembered = forms.CharField(show_hidden_initial=True, required=False, initial="was")
    no_label = forms.CharField(label="", required=False)

    def clean(self):
        raise forms.ValidationError(["Not like this & <b>", "Nor this"])


class _PrefixedForm(_KindsForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="p", auto_id="custom_%s", **kwargs)


@pytest.fixture
def crispy(settings):
    crispy_apps = ["crispy_forms", "crispy_bootstrap5"]
    others = [app for app in settings.INSTALLED_APPS if app not in crispy_apps]
    settings.INSTALLED_APPS = [*others, *crispy_apps]
    settings.CRISPY_TEMPLATE_PACK = "bootstrap5"
    settings.CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"


def _normalised(html) -> str:
    html = re.sub(r"\s+", " ", str(html))
    return re.sub(r"\s*([<>])\s*", r"\1", html).strip()


def _render(source: str, **context) -> str:
    with translation.override("nb"):
        return _normalised(Template(source).render(Context(context)))


def _same_field(form_class, *args) -> int:
    """Compare each field of a form, ours first (crispy changes the widgets it renders)."""
    form = form_class(*args)
    for bound_field in form:
        ours = _render("{% load fields %}{{ f|field }}", f=bound_field)
        theirs = _render("{% load crispy_forms_tags %}{{ f|as_crispy_field }}", f=bound_field)
        assert ours == theirs, (form_class, bound_field.name)
    return len(form.fields)


def _same_form(form_class, *args):
    form = form_class(*args)
    ours = _render("{% load fields %}{{ f|fields }}", f=form)
    assert ours == _render("{% load crispy_forms_tags %}{{ f|crispy }}", f=form)


DATA = {"name": "x", "when": "no", "choice": "9", "radio": "2", "boxes": ["1", "9"], "grouped": "4"}


@pytest.mark.parametrize("form_class", [_KindsForm, _PrefixedForm])
@pytest.mark.parametrize("data", [None, {}, DATA])
def test_each_kind_of_field_is_the_same_as_crispy_forms_gave(crispy, form_class, data):
    _same_field(form_class, data)
    _same_form(form_class, data)


@pytest.mark.django_db
def test_every_field_of_the_portals_forms_is_the_same_as_crispy_forms_gave(crispy):
    compared = 0
    for form_class in _portal_form_classes():
        for form in _instances(form_class):
            args = (form.data,) if form.is_bound else ()
            compared += _same_field(form_class, *args)
            _same_form(form_class, *args)
    assert compared > 100
