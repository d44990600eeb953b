"""``{% order_buttons award %}``: the buttons that order a report about the object on the page,
as the apps above registered them (``scheme.registry.register_order_action``) and as far as
the person viewing the page may order them; nothing when no app registered any.
``{% order_buttons "scheme.scheme" %}`` offers the reports about a scheme chosen where
reports are ordered. With ``as name`` the buttons go into a variable, so that a page can wrap
them only when there are some."""

from django import template
from django.utils.safestring import mark_safe

from scheme.registry import order_actions_for

register = template.Library()


@register.simple_tag(takes_context=True)
def order_buttons(context, subject):
    rendered = []
    for action in order_actions_for(context["request"].user, subject):
        button = context.template.engine.get_template(action.template)
        with context.push(action=action, subject=None if isinstance(subject, str) else subject):
            rendered.append(button.render(context))
    return mark_safe("".join(rendered))
