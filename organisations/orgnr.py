"""Norwegian organisation numbers: nine digits, the last a modulus-11 check digit.

The check itself is python-stdnum's ``no.orgnr``; this module adapts it to forms and makes
valid fictional numbers for demo and test data.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr


def clean_orgnr(value: str) -> str:
    """The nine digits of a valid number, spaces removed; a ValidationError says what is wrong."""
    try:
        return orgnr.validate(value or "")
    except InvalidChecksum:
        raise ValidationError(
            _(
                "%(value)s is not a valid organisation number: the last digit does not match. "
                "Check for a mistyped digit."
            ),
            code="orgnr_checksum",
            params={"value": orgnr.format(value)},
        ) from None
    except StdnumError:
        raise ValidationError(
            _("An organisation number has exactly 9 digits, for example 974 761 076."),
            code="orgnr_format",
        ) from None


def validate_orgnr(value: str) -> None:
    if clean_orgnr(value) != value:
        raise ValidationError(
            _("Type the organisation number as 9 digits without spaces."), code="orgnr_compact"
        )


def format_orgnr(value: str) -> str:
    """``974761076`` -> ``974 761 076``."""
    return orgnr.format(value) if value else ""


def fictional_orgnr(seed: int) -> str:
    """A valid number from the eight-digit stem ``seed`` or the next stem that has one.

    About one stem in eleven has no valid check digit (it would have to be 10); such stems
    never follow each other, so stems two apart always give different numbers.
    """
    stem = seed
    while True:
        for digit in range(10):
            number = f"{stem:08d}{digit}"
            if orgnr.is_valid(number):
                return number
        stem += 1
