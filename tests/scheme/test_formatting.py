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


def test_amounts_and_days_are_written_in_the_language_read_whichever_came_first():
    """Formatted amounts and days are kept per language: switching back and forth, each
    language gets its own (and equal amounts written differently, the same)."""
    import datetime

    from django.utils.formats import date_format

    from scheme.formatting import format_day, format_nok

    day = datetime.date(2024, 1, 23)
    for _ in range(2):
        with translation.override("nb"):
            assert format_nok(Decimal("110000")) == "110\xa0000\xa0kr"
            assert format_nok(Decimal("110000.00")) == "110\xa0000\xa0kr"
            assert format_nok("1234.5") == "1\xa0234,50\xa0kr"
            assert format_day(day) == "23.01.2024"
        with translation.override("en"):
            assert format_nok(110000) == "NOK\xa0110,000"
            assert format_day(day) == date_format(day, "SHORT_DATE_FORMAT")
