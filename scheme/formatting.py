"""Money and dates the Norwegian way (``110 000 kr``, ``23.01.2024``), or the English way
when the user reads English."""

import datetime
import functools
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Formatted amounts and days kept per language: a list formats the same ones row after row,
# and Django looks up the language's formats anew for each.
KEPT_FORMATTED = 4096


def format_nok(amount) -> str:
    """``110000`` -> ``110 000 kr`` (Norwegian) or ``NOK 110,000`` (English)."""
    if amount in (None, ""):
        return ""
    return _nok(Decimal(amount), get_language() or "nb")


@functools.lru_cache(maxsize=KEPT_FORMATTED)
def _nok(amount: Decimal, language: str) -> str:
    decimals = 0 if amount == amount.to_integral_value() else 2
    figure = number_format(amount, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    if language.startswith("en"):
        return f"NOK\xa0{figure}"
    return f"{figure}\xa0kr"


def format_number(number) -> str:
    """A count or other figure with the language's thousands separator: ``19010`` ->
    ``19 010``. Years are not figures: leave them unformatted."""
    if number in (None, ""):
        return ""
    if isinstance(number, str):  # already formatted, e.g. a share "68 %"
        return number
    if isinstance(number, Decimal) and number == number.to_integral_value():
        number = number.quantize(Decimal(1))  # whole kroner from the database: no ",00"
    return number_format(number, use_l10n=True, force_grouping=True)


def format_day(day) -> str:
    """A date in the active language's short form: ``23.01.2024`` in Norwegian."""
    if type(day) is not datetime.date:  # (equal moments may fall on different days)
        return date_format(day, "SHORT_DATE_FORMAT")
    return _day(day, get_language())


@functools.lru_cache(maxsize=KEPT_FORMATTED)
def _day(day, language) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def format_moment(moment) -> str:
    """A date and time in the active language's short form, in local time, as a template's
    ``|date:"SHORT_DATETIME_FORMAT"`` shows it (nothing for None)."""
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def format_deadline(day, today=None) -> str:
    """A deadline worded the same on every page, from the date and today: ``by 23.01.2025``,
    ``by today``, or ``the deadline passed 23.01.2025`` once it has gone by. It reads after
    what is due: "Send the report – by 23.01.2025"."""
    today = today or timezone.localdate()
    if day < today:
        return _("the deadline passed %(date)s") % {"date": format_day(day)}
    if day == today:
        return _("by today")
    return _("by %(date)s") % {"date": format_day(day)}
