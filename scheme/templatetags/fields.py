"""Form fields as Bootstrap 5 groups, written in Python: ``{{ form.x|field }}`` is one field
(its label, input, errors and help text), ``{{ form|fields }}`` a whole form with its non-field
errors. The same elements, classes, ids and aria attributes as crispy-forms' bootstrap5
templates gave (``bootstrap5/field.html`` and the layouts it includes), without a template
per field; ``tests/scheme/test_fields_tags.py`` compares the two."""

import copy

from django import forms, template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from scheme.form_html import flat_attrs, value_html, written_once

register = template.Library()


@register.filter
def field(bound_field):
    """One field as a Bootstrap 5 group."""
    return mark_safe(_group(bound_field))


@register.filter
def fields(form):
    """A whole form: its non-field errors in an alert, then each field as a group."""
    errors = form.non_field_errors()
    shown = ""
    if errors:
        items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
        shown = f'<div class="alert alert-block alert-danger"><ul class="m-0">{items}</ul></div>'
    return mark_safe(shown + "".join(_group(bound_field) for bound_field in form))


def _group(bound_field) -> str:
    """The wrapper ``div_<id>``, the label or legend (a checkbox's after the box), the input,
    its errors and its help text; a hidden field is its input alone. Written once for each
    distinct field as shown (``written_once``)."""
    return written_once("bootstrap", bound_field, _write_group)


def _write_group(bound_field) -> str:
    if bound_field.is_hidden:
        return str(bound_field)
    widget = bound_field.field.widget
    is_checkbox = isinstance(widget, forms.CheckboxInput)
    invalid = " is-invalid" if bound_field.errors else ""
    label = bound_field.label
    wrapper = "form-check" if is_checkbox else "mb-3"
    if css_classes := bound_field.css_classes():
        wrapper += f" {value_html(css_classes)}"
    parts = [f'<div id="div_{value_html(bound_field.auto_id)}" class="{wrapper}">']
    if label and not is_checkbox:
        parts.append(_label_or_legend(bound_field))
    if isinstance(widget, forms.RadioSelect):  # radios and checkboxes (CheckboxSelectMultiple)
        parts.append(_choices(bound_field, invalid))
    elif is_checkbox:
        parts.append(_widget(bound_field, "form-check-input" + invalid))
        required = " requiredField" if bound_field.field.required else ""
        target = value_html(bound_field.id_for_label)
        parts.append(
            f'<label for="{target}" class="form-check-label{required}">'
            f"{value_html(label)}{_asterisk(bound_field)}</label>"
        )
        parts.append(_errors_and_help(bound_field))
    elif isinstance(widget, forms.FileInput):
        parts.append(_file(bound_field, invalid))
    else:
        look = "form-select" if isinstance(widget, forms.Select) else "form-control"
        parts.append(_widget(bound_field, look + invalid))
        parts.append(_errors_and_help(bound_field))
    if bound_field.use_fieldset and label:
        parts.append("</fieldset>")
    parts.append("</div>")
    html = "".join(parts)
    return f'<div class="mb-3">{html}</div>' if is_checkbox else html


def _asterisk(bound_field) -> str:
    return '<span class="asteriskField">*</span>' if bound_field.field.required else ""


def _label_or_legend(bound_field) -> str:
    """A label, or a fieldset's legend for a group of choices (opening the fieldset)."""
    css = "form-label"
    if bound_field.field.required:
        css += " requiredField"
    opening = ""
    tag = "label"
    if bound_field.use_fieldset:
        described = bound_field.aria_describedby
        opening = (
            f'<fieldset aria-describedby="{value_html(described)}">' if described else "<fieldset>"
        )
        tag, css = "legend", css + " fs-6"
    id_for_label = bound_field.id_for_label
    target = f' for="{value_html(id_for_label)}"' if id_for_label else ""
    return (
        f'{opening}<{tag}{target} class="{css}">'
        f"{value_html(bound_field.label)}{_asterisk(bound_field)}</{tag}>"
    )


def _widget(bound_field, look: str) -> str:
    """The input with its Bootstrap classes after the widget's own and its kind's (``textinput``,
    ``select``), as crispy-forms' ``crispy_field`` gave them; the widget itself is not changed."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.MultiWidget):
        widget = copy.deepcopy(widget)
        for subwidget in widget.widgets:
            subwidget.attrs["class"] = _classes(subwidget, look)
        html = bound_field.as_widget(widget=widget)
    else:
        html = bound_field.as_widget(attrs={"class": _classes(widget, look)})
    if bound_field.field.show_hidden_initial:
        html += bound_field.as_hidden(only_initial=True)
    return html


def _classes(widget, look: str) -> str:
    kind = type(widget).__name__.lower()
    classes = widget.attrs.get("class", "")
    if not classes:
        classes = kind
    elif kind not in classes:
        classes += f" {kind}"
    for name in look.split():
        if name not in classes.split():
            classes += f" {name}"
    return classes


def _errors(bound_field) -> str:
    errors = bound_field.errors
    if not errors:
        return ""
    auto_id = value_html(bound_field.auto_id)
    shown = "".join(
        f'<p id="error_{number}_{auto_id}"><strong>{value_html(error)}</strong></p>'
        for number, error in enumerate(errors, start=1)
    )
    return f'<div id="{value_html(errors.field_id)}_error" class="invalid-feedback">{shown}</div>'


def _help(bound_field) -> str:
    if not bound_field.help_text:
        return ""
    auto_id = bound_field.auto_id
    target = f'id="{value_html(auto_id)}_helptext" ' if auto_id else ""
    return f'<div {target}class="form-text">{bound_field.help_text}</div>'


def _errors_and_help(bound_field) -> str:
    return _errors(bound_field) + _help(bound_field)


def _unlocalized(value) -> str:
    """``{{ value|unlocalize }}``."""
    return value_html(str(localize(value, use_l10n=False)))


def _choices(bound_field, invalid: str) -> str:
    """Radios or checkboxes, one ``form-check`` each; the errors inside the last one."""
    widget = bound_field.field.widget
    id_ = widget.attrs.get("id") or bound_field.auto_id
    attrs = bound_field.build_widget_attrs({"id": id_} if id_ else {})
    values = widget.format_value(bound_field.value())
    groups = widget.optgroups(bound_field.html_name, values, attrs)
    name = value_html(bound_field.html_name)
    parts = ["<div>"]
    for group_number, (group, options, _index) in enumerate(groups, start=1):
        if group:
            parts.append(f"<strong>{value_html(group)}</strong>")
        for number, option in enumerate(options, start=1):
            parts.append(
                f'<div class="form-check"><input type="{value_html(option["type"])}" '
                f'class="form-check-input{invalid}" name="{name}" '
                f'value="{_unlocalized(option["value"])}"{flat_attrs(option["attrs"])}>'
                f'<label for="{value_html(option["attrs"].get("id", ""))}" '
                'class="form-check-label">'
                f"{_unlocalized(option['label'])}</label>"
            )
            if number == len(options) and group_number == len(groups):
                parts.append(_errors(bound_field))
            parts.append("</div>")
    parts.append("</div>")
    parts.append(_help(bound_field))
    return "".join(parts)


def _file(bound_field, invalid: str) -> str:
    """A file input, and the file there is already with a box to clear it (``field_file.html``)."""
    disabled = " disabled" if bound_field.field.disabled else ""
    parts = []
    for subwidget in bound_field.subwidgets:
        data = subwidget.data
        if data.get("is_initial"):
            current = bound_field.value()
            parts.append(
                f'<div class="input-group mb-2"><span class="input-group-text">'
                f"{value_html(data['initial_text'])}</span>"
                f'<div class="form-control d-flex h-auto"><span class="text-break flex-grow-1">'
                f'<a href="{value_html(current.url)}">{value_html(current.name)}</a></span>'
            )
            if not data["required"]:
                checkbox_id = value_html(data["checkbox_id"])
                parts.append(
                    f'<span class="align-self-center ml-2"><span class="form-check">'
                    f'<input type="checkbox" name="{value_html(data["checkbox_name"])}" '
                    f'id="{checkbox_id}" class="form-check-input"{disabled}>'
                    f'<label class="form-check-label mb-0" for="{checkbox_id}">'
                    f"{value_html(data['clear_checkbox_label'])}</label></span></span>"
                )
            parts.append("</div></div>")
        own = data["attrs"].get("class")
        look = f"form-control {value_html(own)}{invalid}" if own else f"form-control{invalid}"
        attrs = flat_attrs({key: value for key, value in data["attrs"].items() if key != "class"})
        around = ' class="is-invalid"' if invalid else ""
        parts.append(
            f"<div{around}>"
            f'<input type="{value_html(data["type"])}" name="{value_html(data["name"])}" '
            f'class="{look}"'
            f"{disabled}{attrs}>{_errors_and_help(bound_field)}</div>"
        )
    return "".join(parts)
