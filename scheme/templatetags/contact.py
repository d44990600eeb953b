"""The portal's contact address for every page's footer (``{% contact_email %}``)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def contact_email() -> str:
    """Where visitors write with questions: the administering body's address, the one the
    privacy statement names (``PRIVACY_CONTACT_EMAIL``)."""
    return settings.PRIVACY_CONTACT_EMAIL
