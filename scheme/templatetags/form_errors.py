from django import template

from scheme.forms_common import error_summary

register = template.Library()


@register.simple_tag
def problems_of(*forms_and_formsets):
    """``{% problems_of form formset as problems %}``: see ``forms_common.error_summary``."""
    return error_summary(*forms_and_formsets)
