"""Form fields every app shares."""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

THOUSANDS_WITH_DOTS = re.compile(r"^\d{1,3}(\.\d{3})+(,\d*)?$")
SPACES_AND_CURRENCY = re.compile(r"(?i)\s|kr\.?|nok")


def plain_amount(text: str) -> str:
    """Kroner as people in Norway write them, as Python reads them.

    Spaces (also no-break and narrow ones) group thousands: ``150 000``. A comma is the
    decimal mark: ``150 000,50``. Dots group thousands when they do so in threes
    (``150.000``, ``1.234,50``); otherwise a dot is the decimal mark (``99.5``), as a
    phone's number pad may type it. ``kr`` and ``NOK`` are ignored.
    """
    text = SPACES_AND_CURRENCY.sub("", text)
    if THOUSANDS_WITH_DOTS.match(text):
        text = text.replace(".", "")
    return text.replace(",", ".")


class NokAmountField(forms.DecimalField):
    """An amount in kroner, the one field for every amount the portal asks for. A text box
    (``inputmode=decimal``), so the browser does not throw away what it cannot read, marked
    ``data-amount`` so the page can add the amounts up while people type."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        messages = kwargs.setdefault("error_messages", {})
        messages.setdefault("invalid", _("Write the amount in numbers, for example 95 000."))
        messages.setdefault("min_value", _("The amount cannot be less than %(limit_value)s."))
        messages.setdefault("max_digits", _("The amount is too large."))
        messages.setdefault("max_whole_digits", _("The amount is too large."))
        messages.setdefault("max_decimal_places", _("Write at most two digits after the comma."))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "data-amount": ""}

    def to_python(self, value):
        if isinstance(value, str):
            value = plain_amount(value)
        return super().to_python(value)

    def prepare_value(self, value):
        """``95000`` rather than ``95000.00`` in the box."""
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return super().prepare_value(value)
