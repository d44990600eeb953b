"""Values in the CSV files as a Norwegian spreadsheet user reads them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from scheme.spreadsheet import cell


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("nb", True, "ja"),
        ("nb", False, "nei"),
        ("en", True, "yes"),
        ("nb", None, ""),
        ("nb", Decimal("95000.5"), "95000,50"),
        ("nb", datetime.date(2024, 3, 1), "2024-03-01"),
        ("nb", "=HYPERLINK()", "'=HYPERLINK()"),
    ],
)
def test_a_value_is_written_as_a_spreadsheet_reader_expects(language, value, shown):
    with translation.override(language):
        assert cell(value) == shown
