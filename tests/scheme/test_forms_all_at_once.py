"""The shared parts of every form: one error summary that lists every problem of a form and
of its inline rows with links to the fields, the portal's plain words in place of Django's
stock messages, and sort options in the portal's words."""

import django_filters
import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from grants.filters import ApplicationFilter
from organisations.filters import OrganisationFilter
from scheme.forms_common import PortalForm, StableOrderingFilter, error_summary


class Meeting(PortalForm):
    held_on = forms.DateField(label="Date")
    minutes = forms.IntegerField(label="Minutes", min_value=5)
    summary = forms.CharField(label="Summary", max_length=10)
    mode = forms.ChoiceField(label="How", choices=[("a", "A")], widget=forms.RadioSelect)


class Row(PortalForm):
    title = forms.CharField(label="Task")
    due_on = forms.DateField(label="Due")


Rows = forms.formset_factory(Row, extra=2)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def rows(**data):
    management = {"rows-TOTAL_FORMS": "2", "rows-INITIAL_FORMS": "0"}
    return Rows(management | data, prefix="rows")


def test_the_summary_lists_the_form_and_every_row_with_links():
    form = Meeting({"held_on": "32.13.2024", "minutes": "2", "summary": "x" * 11})
    formset = rows(**{"rows-1-title": "Ring kommunen"})
    form.is_valid(), formset.is_valid()

    problems = error_summary(form, formset)

    assert [(p.label, p.href) for p in problems] == [
        ("Date", "#id_held_on"),
        ("Minutes", "#id_minutes"),
        ("Summary", "#id_summary"),
        ("How", "#id_mode_0"),  # a group of options: its first option
        ("Line 2, Due", "#id_rows-1-due_on"),
    ]


def test_the_partial_shows_inline_row_problems_in_the_summary_at_the_top():
    form = Meeting({"held_on": "2024-05-17", "minutes": "60", "summary": "Fint", "mode": "a"})
    formset = rows(**{"rows-0-due_on": "2024-06-01"})
    form.is_valid(), formset.is_valid()

    html = render_to_string("partials/form_errors.html", {"form": form, "formset": formset})

    assert 'id="error-summary"' in html
    assert '<a class="alert-link" href="#id_rows-0-title">Line 1, Task</a>' in html


def test_a_formset_given_as_the_form_is_listed_once():
    formset = rows(**{"rows-0-due_on": "2024-06-01"})
    formset.is_valid()
    assert len(error_summary(formset, formset)) == 1
    assert error_summary("", None) == []  # an unset template variable


def test_plain_words_replace_djangos_stock_messages():
    form = Meeting({"held_on": "i går", "minutes": "2", "summary": "x" * 11})
    form.is_valid()
    assert form.errors == {
        "held_on": ["Write the date as dd.mm.yyyy, for example 17.05.2024."],
        "minutes": ["The lowest allowed is 5."],
        "summary": ["Write at most 10 characters (now 11)."],
        "mode": ["Choose an answer."],
    }


def test_a_message_the_form_chose_itself_is_kept():
    class Chosen(PortalForm):
        name = forms.CharField(error_messages={"required": "Write the name."})

    form = Chosen({})
    form.is_valid()
    assert form.errors["name"] == ["Write the name."]


@pytest.mark.parametrize("filters", [ApplicationFilter, OrganisationFilter])
def test_the_sort_options_are_in_the_portals_words(filters):
    """django-filter has no Norwegian: the portal's own msgid puts "(descending)" in the
    portal's catalogue (makemessages finds it in scheme/forms_common.py)."""
    order = filters().filters["order"]
    assert order.descending_fmt is StableOrderingFilter.descending_fmt
    assert order.descending_fmt is not django_filters.OrderingFilter.descending_fmt
    for language, descending in [("en", " (descending)"), ("nb", " (synkende)")]:
        with translation.override(language):
            labels = [str(label) for _value, label in filters().filters["order"].field.choices]
        assert any(label.endswith(descending) for label in labels), (language, labels)
