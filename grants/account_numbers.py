"""Norwegian bank account numbers (*kontonummer*): eleven digits, the last a modulus-11 check
digit.

The check itself is python-stdnum's ``no.kontonr``; this module adapts it to forms (people type
``1234 56 78903`` or ``1234.56.78903``), shows a number masked or in full, and makes valid
fictional numbers for demo and test data.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import kontonr

DIGITS = 11
VISIBLE = 4  # the last digits a masked number shows
SEPARATORS = re.compile(r"[\s.\-]")  # as people type them: 1234 56 78903, 1234.56.78903
ONLY_DIGITS = re.compile(r"[0-9]+")


def clean_account_number(value: str) -> str:
    """The eleven digits of a valid account number, spaces and dots removed; a
    ValidationError says what is wrong."""
    digits = SEPARATORS.sub("", value or "")
    if not ONLY_DIGITS.fullmatch(digits):
        raise ValidationError(
            _("Write the account number with digits only, for example 1234 56 78903."),
            code="account_format",
        )
    if len(digits) != DIGITS:
        raise ValidationError(
            _("A Norwegian account number has 11 digits; you wrote %(count)d."),
            code="account_length",
            params={"count": len(digits)},
        )
    try:
        valid = kontonr.validate(digits) == digits  # not the old postgiro form 0000 + 7 digits
    except StdnumError:
        valid = False
    if not valid:
        raise ValidationError(
            _(
                "%(value)s is not a valid account number: the last digit does not match. "
                "Check for a mistyped digit against your bank's papers."
            ),
            code="account_checksum",
            params={"value": format_account_number(digits)},
        )
    return digits


def validate_account_number(value: str) -> None:
    """The model's check: eleven digits, stored without spaces, with a valid check digit."""
    if clean_account_number(value) != value:
        raise ValidationError(
            _("Store the account number as 11 digits without spaces."), code="account_compact"
        )


def _grouped(digits: str) -> str:
    """Bank, account group and number, as Norwegian banks print them: 4, 2 and 5 digits."""
    return f"{digits[:4]} {digits[4:6]} {digits[6:]}"


def format_account_number(value: str) -> str:
    """``12345678903`` -> ``1234 56 78903``."""
    return _grouped(value) if value and len(value) == DIGITS else value or ""


def mask_account_number(value: str) -> str:
    """``12345678903`` -> ``**** ** *8903``: enough to recognise the account, not to pay into
    it. Anything else (no number: "None" in the audit log) is left as it is."""
    if not value or not ONLY_DIGITS.fullmatch(value):
        return value or ""
    return _grouped("*" * (len(value) - VISIBLE) + value[-VISIBLE:])


def fictional_account_number(seed: int) -> str:
    """A valid number in the made-up bank 9999 from the six-digit stem ``seed``, or the next
    stem that has one (about one stem in eleven has no valid check digit)."""
    stem = seed
    while True:
        for digit in range(10):
            number = f"9999{stem:06d}{digit}"
            if kontonr.is_valid(number):
                return number
        stem += 1
