"""Django's form widgets written in Python: the same HTML as Django's own widget templates
(django/forms/templates/django/forms/), several times faster than rendering them with the
template engine, which every form page and every list's filter form does for each input and
each option. Any other template (a widget of the portal's own, a form layout) is still rendered
by the template engine.

Each writer returns what its template gives, trailing newline included (an included template
keeps it; the renderer strips the outermost, as Django's does). ``{{ x }}`` is ``value_html(x)`` and
``{{ x|stringformat:'s' }}`` is ``_formatted(x)``; ``tests/scheme/test_form_html.py`` compares
every writer with its template."""

import datetime
import decimal
import threading

from django.forms.models import ModelChoiceIteratorValue
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import (
    CheckboxInput,
    ChoiceWidget,
    DateInput,
    DateTimeInput,
    NumberInput,
    TimeInput,
    Widget,
)
from django.utils import timezone, translation
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape, strip_spaces_between_tags
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

_WIDGETS = "django/forms/widgets/"


def value_html(value) -> str:
    """``{{ value }}``: localised and escaped, as the template engine shows a value."""
    if type(value) is not str:
        value = localize(template_localtime(value))
        if not isinstance(value, str):
            value = str(value)
    return conditional_escape(value)


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: not localised; escaped unless marked safe."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)


def flat_attrs(attrs) -> str:
    """``django/forms/widgets/attrs.html``: `` name="value"``, a bare name for True, none for
    False."""
    return "".join(
        f" {value_html(name)}" if value is True else f' {value_html(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(renderer, widget) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_formatted(value)}"'
    return (
        f'<input type="{value_html(widget["type"])}" name="{value_html(widget["name"])}"{shown}'
        f"{flat_attrs(widget['attrs'])}>\n"
    )


def _input_option(renderer, option) -> str:
    if not option["wrap_label"]:
        return _input(renderer, option) + "\n"
    id_ = option["attrs"].get("id")
    opening = f'<label for="{value_html(id_)}">' if id_ else "<label>"
    return f"{opening}{_input(renderer, option)} {value_html(option['label'])}</label>\n"


def _select_option(renderer, option) -> str:
    return (
        f'<option value="{_formatted(option["value"])}"{flat_attrs(option["attrs"])}>'
        f"{value_html(option['label'])}</option>\n"
    )


def _select(renderer, widget) -> str:
    parts = [f'<select name="{value_html(widget["name"])}"{flat_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{value_html(group)}">')
        for option in options:
            parts.append("\n  ")
            parts.append(renderer.include(option))
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _multiple_input(renderer, widget) -> str:
    id_, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{value_html(id_)}"' if id_ else "",
        f' class="{value_html(css)}"' if css else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{value_html(group)}</label>")
        for option in options:
            parts.append("<div>\n    ")
            parts.append(renderer.include(option))
            parts.append("</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


def _textarea(renderer, widget) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{value_html(widget["name"])}"{flat_attrs(widget["attrs"])}>\n'
        f"{value_html(value) if value else ''}</textarea>\n"
    )


def _clearable_file_input(renderer, widget) -> str:
    shown = ""
    if widget["is_initial"]:
        value = widget["value"]
        shown = (
            f"{value_html(widget['initial_text'])}: "
            f'<a href="{value_html(value.url)}">{value_html(value)}</a>'
        )
        if not widget["required"]:
            checkbox_id = value_html(widget["checkbox_id"])
            shown += (
                f'\n<input type="checkbox" name="{value_html(widget["checkbox_name"])}" '
                f'id="{checkbox_id}"{" disabled" if widget["attrs"].get("disabled") else ""}'
                f"{' checked' if widget['attrs'].get('checked') else ''}>\n"
                f'<label for="{checkbox_id}">{value_html(widget["clear_checkbox_label"])}</label>'
            )
        shown += f"<br>\n{value_html(widget['input_text'])}:"
    return (
        f'{shown}\n<input type="{value_html(widget["type"])}" name="{value_html(widget["name"])}"'
        f"{flat_attrs(widget['attrs'])}>\n"
    )


def _multiwidget(renderer, widget) -> str:
    inner = "".join(renderer.include(subwidget) for subwidget in widget["subwidgets"])
    return strip_spaces_between_tags(inner.strip()) + "\n"


def _then_newline(write):
    """A template that only includes another (``text.html``: ``{% include "input.html" %}``)."""
    return lambda renderer, widget: write(renderer, widget) + "\n"


_INPUT = _then_newline(_input)
_MULTIPLE_INPUT = _then_newline(_multiple_input)
_MULTIWIDGET = _then_newline(_multiwidget)
_INPUT_TYPES = (
    "checkbox color date datetime email file hidden number password search tel text time url"
)

# Writers of the templates that get ``widget`` (a widget's or an option's context).
WIDGET_WRITERS = {
    **{f"{_WIDGETS}{kind}.html": _INPUT for kind in _INPUT_TYPES.split()},
    f"{_WIDGETS}input.html": _input,
    f"{_WIDGETS}input_option.html": _input_option,
    f"{_WIDGETS}radio_option.html": _then_newline(_input_option),
    f"{_WIDGETS}checkbox_option.html": _then_newline(_input_option),
    f"{_WIDGETS}select.html": _select,
    f"{_WIDGETS}select_option.html": _select_option,
    f"{_WIDGETS}multiple_input.html": _multiple_input,
    f"{_WIDGETS}radio.html": _MULTIPLE_INPUT,
    f"{_WIDGETS}checkbox_select.html": _MULTIPLE_INPUT,
    f"{_WIDGETS}textarea.html": _textarea,
    f"{_WIDGETS}clearable_file_input.html": _clearable_file_input,
    f"{_WIDGETS}multiwidget.html": _multiwidget,
    f"{_WIDGETS}multiple_hidden.html": _MULTIWIDGET,
    f"{_WIDGETS}select_date.html": _MULTIWIDGET,
    f"{_WIDGETS}splitdatetime.html": _MULTIWIDGET,
    f"{_WIDGETS}splithiddendatetime.html": _MULTIWIDGET,
}


def _label(context) -> str:
    """``django/forms/label.html`` (``BoundField.label_tag``, ``legend_tag``)."""
    label = value_html(context["label"])
    if not context["use_tag"]:
        return label
    tag = value_html(context["tag"])
    return f"<{tag}{flat_attrs(context['attrs'] or {})}>{label}</{tag}>"


def _error_list(context) -> str:
    """``django/forms/errors/list/ul.html`` (an ErrorList shown as ``{{ errors }}``)."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    shown_id = f' id="{value_html(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{value_html(error)}</li>" for error in errors)
    return f'<ul class="{value_html(context["error_class"])}"{shown_id}>{items}</ul>'


def _field_group(context) -> str:
    """``django/forms/field.html`` (``BoundField.as_field_group``, a list's filter fields)."""
    return written_once("field.html", context["field"], _write_field_group)


def written_once(look: str, field, write) -> str:
    """``write(field)``, a field's HTML in the ``look`` that ``write`` gives, written once for
    each distinct field as shown (``_field_key``): a list's filter form, a blank form, shows
    the same fields with the same values request after request."""
    key = _field_key(field)
    if key is None:
        return write(field)
    key = (look, key)
    with _KEPT_LOCK:
        html = _KEPT_GROUPS.pop(key, None)
    if html is None:
        html = write(field)
    with _KEPT_LOCK:
        _KEPT_GROUPS[key] = html  # (again) the most recently used
        while len(_KEPT_GROUPS) > MAX_KEPT_GROUPS:
            _KEPT_GROUPS.pop(next(iter(_KEPT_GROUPS)))  # the least recently used
    return html


def _write_field_group(field) -> str:
    label = field.label
    if field.use_fieldset:
        described = field.aria_describedby
        described = f' aria-describedby="{value_html(described)}"' if described else ""
        heading = f"\n  <fieldset{described}>\n  {field.legend_tag() if label else ''}\n"
    else:
        heading = f"\n  {field.label_tag() if label else ''}\n"
    help_text = ""
    if field.help_text:
        target = f' id="{value_html(field.auto_id)}_helptext"' if field.auto_id else ""
        help_text = f'<div class="helptext"{target}>{field.help_text}</div>'
    closing = "</fieldset>" if field.use_fieldset else ""
    return f"{heading}\n{help_text}\n{field.errors}\n{field}{closing}".strip()


# Field groups kept, the oldest going first (a few KB each).
MAX_KEPT_GROUPS = 1000
_KEPT_GROUPS, _KEPT_LOCK = {}, threading.Lock()


def _field_key(field):
    """Everything a field group's HTML follows from, or None for a field not to keep: a widget
    of the portal's own (its template may read more than its field), and whatever a person
    typed or was refused (a password, a name, an e-mail address: nothing of theirs is kept),
    a hidden field (a form's one-time token) too. A widget's choices are read here, once,
    and the widget then shows those (a model's rows are not read again)."""
    widget = field.field.widget
    if type(widget).__module__ != "django.forms.widgets" or not _may_keep(field, widget):
        return None
    choices = ()
    if hasattr(widget, "choices"):
        widget.choices = list(iter(widget.choices))  # (not len(): a model's rows counted)
        choices = widget.choices
    state = {name: item for name, item in vars(widget).items() if name != "_choices"}
    form = field.form
    key = _frozen(
        (
            translation.get_language(),
            timezone.get_current_timezone_name(),
            # (not the form's class: django-filter makes a new one for each filter set)
            (_kind(form.renderer), form.error_class, form.template_name_label),
            (form.prefix, form.auto_id, form.label_suffix, form.use_required_attribute),
            (getattr(form, "required_css_class", None), getattr(form, "error_css_class", None)),
            (field.html_name, field.label, field.help_text, _exact(field.value())),
            _kind(field),
            _kind(field.field),
            vars(field.field).get("label_suffix"),
            (field.field.required, field.field.disabled, field.field.localize),
            (
                field.field.show_hidden_initial,
                field.initial if field.field.show_hidden_initial else None,
            ),
            _kind(widget),
            state,
            choices,
        )
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


# Widgets whose value is one of a few given (a choice) or a figure or a date, not free text.
_CHOSEN = (ChoiceWidget, NumberInput, DateInput, DateTimeInput, TimeInput, CheckboxInput)


def _may_keep(field, widget) -> bool:
    if widget.is_hidden or getattr(widget, "input_type", "") == "password" or field.errors:
        return False
    return isinstance(widget, _CHOSEN) or field.value() in (None, "", [])


def _exact(value):
    """A value with its type and written form: equal values (``5.0`` and ``5.00``, ``1`` and
    ``True``) are shown differently."""
    if isinstance(value, (list, tuple)):
        return tuple(_exact(item) for item in value)
    return type(value).__qualname__, repr(value)


_PLAIN = {str, int, bool, type(None), decimal.Decimal, datetime.date, datetime.datetime}


def _kind(instance) -> tuple:
    """The names of an instance's classes: django-filter makes its classes anew each time."""
    return tuple(f"{cls.__module__}.{cls.__qualname__}" for cls in type(instance).__mro__)


def _frozen(value):
    """``value`` as something to compare and hash: containers as tuples, lazy text as text."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dict):
        return tuple((name, _frozen(item)) for name, item in sorted(value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, ModelChoiceIteratorValue):
        return ("model choice", str(value))
    if isinstance(value, Widget):  # a widget within (django-filter's CSV widgets)
        return _kind(value), _frozen(vars(value))
    return value


# Writers of the other templates, given the whole context.
CONTEXT_WRITERS = {
    "django/forms/field.html": _field_group,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _error_list,
    "django/forms/errors/list/ul.html": _error_list,
}


class FormRenderer(DjangoTemplates):
    """Django's default form renderer, writing its standard widgets, labels and error lists in
    Python (``FORM_RENDERER``)."""

    def render(self, template_name, context, request=None):
        if write := WIDGET_WRITERS.get(template_name):
            return write(self, context["widget"]).strip()
        if write := CONTEXT_WRITERS.get(template_name):
            return write(context)
        return super().render(template_name, context, request=request)

    def include(self, widget) -> str:
        """``{% include widget.template_name with widget=widget %}`` (an option, a subwidget)."""
        template_name = widget["template_name"]
        if write := WIDGET_WRITERS.get(template_name):
            return write(self, widget)
        return self.get_template(template_name).render({"widget": widget})
