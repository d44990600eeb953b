"""The layout's parts for base.html (scheme/layout.py writes them)."""

from django import template

from scheme import layout

register = template.Library()


@register.simple_tag
def page_assets():
    return layout.assets()


@register.simple_tag(takes_context=True)
def page_header(context):
    return layout.header(
        context.get("request"), context.get("access"), context.get("unread_notifications", 0)
    )


@register.simple_tag(takes_context=True)
def page_messages(context):
    return layout.messages(context.get("messages", ()))


@register.simple_tag
def page_footer():
    return layout.footer()
