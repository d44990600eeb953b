"""``{% allowed obj "withdraw" as can_withdraw %}``: whether the person viewing the page may
take a step of ``obj``'s workflow now (``scheme.states``); the template never repeats the rule."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def allowed(context, obj, name):
    return obj.workflow.decide(context["request"].user, obj, name)
