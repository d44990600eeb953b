"""Figures as Norwegian readers expect them: a thousands space in counts, in both languages'
own way, and text that is already a figure left alone."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from scheme.formatting import format_number


@pytest.mark.parametrize(
    ("language", "number", "shown"),
    [("nb", 19010, "19\xa0010"), ("nb", 7, "7"), ("en", 19010, "19,010"), ("nb", None, "")],
)
def test_a_count_has_the_languages_thousands_separator(language, number, shown):
    with translation.override(language):
        assert format_number(number) == shown


@pytest.mark.parametrize(
    ("number", "shown"),
    [(Decimal("360000.00"), "360\xa0000"), (Decimal("98666.67"), "98\xa0666,67")],
)
def test_an_amount_from_the_database_shows_ore_only_when_there_are_any(number, shown):
    """PostgreSQL sums money columns with two decimals; whole kroner print without ",00"."""
    with translation.override("nb"):
        assert format_number(number) == shown


def test_a_share_already_written_out_is_left_as_it_is():
    assert format_number("68\xa0%") == "68\xa0%"


def test_the_template_filter_formats_counts():
    with translation.override("nb"):
        rendered = Template("{% load portal %}{{ n|number }}").render(Context({"n": 1250000}))
    assert rendered == "1\xa0250\xa0000"
