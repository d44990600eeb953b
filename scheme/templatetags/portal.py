from django import template

from scheme import audit
from scheme.formatting import format_nok, format_number
from scheme.web import active_filter_count

register = template.Library()


register.filter("nok", format_nok)
register.filter("number", format_number)
register.filter("active_filter_count", active_filter_count)


@register.inclusion_tag("partials/timeline.html")
def timeline(target, limit=50):
    """The timeline of ``target``: who did what, and when (one query)."""
    return {"events": audit.timeline(target, limit)}


@register.simple_tag(takes_context=True)
def page_url(context, page_number):
    """A link to another page of the list that keeps the filters. A page that a form's POST
    can also draw (an error shown in place) names its own address (``list_url``, with an
    optional ``#anchor`` in ``list_anchor``), so that the link does not go to the form's."""
    query = context.get("query", "")
    base, anchor = context.get("list_url", ""), context.get("list_anchor", "")
    page = f"{query}&page={page_number}" if query else f"page={page_number}"
    return f"{base}?{page}{anchor}"
