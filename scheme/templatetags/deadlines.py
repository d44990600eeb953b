"""``{{ day|deadline }}``: a deadline in the one wording the portal uses everywhere
(``scheme.formatting.format_deadline``)."""

from django import template

from scheme.formatting import format_deadline

register = template.Library()


@register.filter
def deadline(day):
    """``by 23.01.2025``, ``by today`` or ``the deadline passed 23.01.2025``; empty without a
    date."""
    return format_deadline(day) if day else ""
