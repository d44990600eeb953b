"""The number on the button that folds a list's filters away on a phone."""

import django_filters
from django import forms

from organisations.models import Organisation
from scheme.web import active_filter_count


class Filters(django_filters.FilterSet):
    name = django_filters.CharFilter()
    kind = django_filters.MultipleChoiceFilter(choices=[("a", "A"), ("b", "B")])
    order = django_filters.OrderingFilter(fields=["name"])

    class Meta:
        model = Organisation
        fields = []


def test_only_the_filters_that_narrow_the_list_count_not_the_sort_order(db):
    filters = Filters({"name": "aktiv", "kind": ["a"], "order": "-name", "page": "2"})
    assert active_filter_count(filters) == 2


def test_empty_filters_count_nothing(db):
    assert active_filter_count(Filters({"name": "", "kind": []})) == 0
    assert active_filter_count(Filters(None)) == 0


def test_a_plain_form_counts_its_filled_fields():
    class Form(forms.Form):
        year = forms.IntegerField(required=False)
        q = forms.CharField(required=False)

    assert active_filter_count(Form({"year": "2024", "q": ""})) == 1
