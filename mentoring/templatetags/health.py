"""``{{ state|health_badge }}``: a pairing's health as a badge, the one markup for it (the
overview's rows, written in Python, use the same function)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.filter
def health_badge(state) -> str:
    return format_html(
        '<span class="badge {}">{} {}</span>', state.badge, gettext("Health:"), state.health.label
    )
