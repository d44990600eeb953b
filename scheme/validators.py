"""Bounds every app's fields share: plausible dates and maximum lengths of free text.

A date typed as year 0001 or 9999 is a slip of the keyboard, never a real founding date or
deadline; free text without a maximum lets one request store (and e-mail) megabytes.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)

# Maximum lengths of free text, in characters (the form's textarea says and enforces them).
SHORT_TEXT = 1_000  # a reason, an outcome, a comment
MESSAGE_TEXT = 5_000  # a message, a summary, a description
LONG_TEXT = 20_000  # a report's answers, a letter's text


def plausible_date(value: datetime.date) -> None:
    """Refuse dates (and moments: a DateTimeField's) outside 1900–2100."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Write a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.year, "latest": LATEST_DATE.year},
            code="implausible_date",
        )


def not_in_future(value: datetime.date) -> None:
    """Refuse dates after today (a founding date, a date something happened)."""
    if value is not None and value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future_date")


PLAUSIBLE_DATE = [plausible_date]
PAST_DATE = [plausible_date, not_in_future]
