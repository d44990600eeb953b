from django import forms
from django.utils.translation import gettext_lazy as _

from scheme.conversations.models import MAX_MESSAGE_ATTACHMENTS, MESSAGE_LENGTH, ReplyTemplate
from scheme.forms_common import PortalForm, PortalModelForm
from scheme.storage import ALLOWED


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the service checks each (``validate_upload``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class MessageForm(PortalForm):
    body = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Plain text; links become clickable. At most %(max)d characters.")
        % {"max": MESSAGE_LENGTH},
    )
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("Optional, at most %(max)d files of the kinds %(allowed)s.")
        % {"max": MAX_MESSAGE_ATTACHMENTS, "allowed": ALLOWED},
    )


class InsertTemplateForm(PortalForm):
    """The caseworker's choice of a reply template to put into the message."""

    template = forms.ChoiceField(label=_("Reply template"), required=False)

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Choose a template"))]
        for template in templates:
            choices.append((f"{template.pk}:nb", f"{template.title} ({_('Norwegian')})"))
            if template.body_en:
                choices.append((f"{template.pk}:en", f"{template.title} ({_('English')})"))
        self.fields["template"].choices = choices
        self.templates = {template.pk: template for template in templates}

    def chosen_text(self) -> str:
        """The chosen template's text in the chosen language, or ""."""
        value = self.cleaned_data.get("template") or ""
        pk, _sep, language = value.partition(":")
        template = self.templates.get(int(pk)) if pk.isdigit() else None
        return template.body_in(language) if template else ""


class ReplyTemplateForm(PortalModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["scheme", "title", "body_nb", "body_en"]
        widgets = {
            "body_nb": forms.Textarea(attrs={"rows": 6}),
            "body_en": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes
