from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheme import registry
from scheme.forms_common import PortalModelForm
from scheme.models import SchemeYear
from scheme.once import SubmitOnce
from scheme.roles import access_for

from .models import Announcement, AudienceKind


class AnnouncementForm(SubmitOnce, PortalModelForm):
    """Write or change an announcement; the scheme years and events are the caseworker's
    body's (from last year on)."""

    group_id = forms.TypedChoiceField(
        label=_("Event"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Only when the announcement is for the organisations registered to an event."),
    )
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    upload = forms.FileField(
        label=_("File"), required=False, help_text=_("A PDF, document or picture, at most 10 MB.")
    )

    class Meta:
        model = Announcement
        fields = [
            "scheme_year",
            "audience",
            "group_id",
            "title_nb",
            "body_nb",
            "title_en",
            "body_en",
            "link",
            "publish_at",
            "pinned",
        ]
        widgets = {
            "audience": forms.RadioSelect,
            "body_nb": forms.Textarea(attrs={"rows": 4}),
            "body_en": forms.Textarea(attrs={"rows": 4}),
            "publish_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }
        help_texts = {
            "publish_at": _("Now, or a later time: it shows from then on."),
            "title_en": _("Optional: English readers see the Norwegian text without it."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        years = access_for(user).administered(
            SchemeYear.objects.filter(year__gte=timezone.localdate().year - 1).current_first()
        )
        self.fields["scheme_year"].queryset = years
        self.fields["audience"].choices = AudienceKind.choices  # no blank radio button
        group = registry.audience_group(AudienceKind.EVENT)
        events = group.choices(years) if group else []
        self.fields["group_id"].choices = [("", _("No event")), *events]
        if self.instance.publish_at:
            self.initial["publish_at"] = timezone.localtime(self.instance.publish_at)
