from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

from scheme import audit

register = template.Library()


@register.filter
def nok(amount):
    """``110000`` -> ``110 000 kr`` (Norwegian) or ``NOK 110,000`` (English)."""
    if amount in (None, ""):
        return ""
    amount = Decimal(amount)
    decimals = 0 if amount == amount.to_integral_value() else 2
    figure = number_format(amount, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    if (get_language() or "nb").startswith("en"):
        return f"NOK\xa0{figure}"
    return f"{figure}\xa0kr"


@register.inclusion_tag("partials/timeline.html")
def timeline(target, limit=50):
    """The timeline of ``target``: who did what, and when (one query)."""
    return {"events": audit.timeline(target, limit)}


@register.simple_tag(takes_context=True)
def page_url(context, page_number):
    """A link to another page of the list that keeps the filters."""
    query = context.get("query", "")
    return f"?{query}&page={page_number}" if query else f"?page={page_number}"
