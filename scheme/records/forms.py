"""The journal's filters: a day (today unless chosen), direction, document type, the body
(for those who work for several) and a case number."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheme.forms_common import PortalForm
from scheme.records.models import CASE_NUMBER, Direction, DocumentType

ANY = [("", _("All"))]


class JournalForm(PortalForm):
    day = forms.DateField(
        label=_("Day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=ANY + [(d.value, d.label) for d in (Direction.INCOMING, Direction.OUTGOING)],
    )
    document_type = forms.ChoiceField(
        label=_("Document type"), required=False, choices=ANY + DocumentType.choices
    )
    body = forms.TypedChoiceField(
        label=_("Administering body"), required=False, coerce=int, empty_value=None
    )
    case = forms.CharField(
        label=_("Case number"),
        required=False,
        max_length=30,
        help_text=_("For example 2026/12. Shows the case's documents of every day."),
    )

    def __init__(self, *args, bodies, **kwargs):
        """``bodies``: the administering bodies whose journals the user keeps; the body
        filter is offered only when there are several."""
        super().__init__(*args, **kwargs)
        bodies = list(bodies)
        if len(bodies) > 1:
            self.fields["body"].choices = ANY + [(body.pk, body.name) for body in bodies]
        else:
            del self.fields["body"]

    def clean_case(self):
        text = self.cleaned_data["case"].strip().replace(" ", "")
        if text and CASE_NUMBER.fullmatch(text) is None:
            raise forms.ValidationError(_("Write a case number, for example 2026/12."))
        return text

    def chosen_day(self):
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("day") or timezone.localdate()

    def values(self) -> tuple:
        """The valid filters (``filtered``'s arguments): the key of the list they show."""
        data = self.cleaned_data if self.is_valid() else {}
        return (
            data.get("case") or "",
            self.chosen_day(),
            data.get("direction") or "",
            data.get("document_type") or "",
            data.get("body"),
        )

    def filter(self, entries):
        return filtered(entries, *self.values())


def filtered(entries, case, day, direction, document_type, body):
    """``entries`` narrowed by the filters: the day's documents, or, with a case number, that
    case's documents of every day."""
    entries = entries.with_case_number(case) if case else entries.registered_on(day)
    if direction:
        entries = entries.filter(direction=direction)
    if document_type:
        entries = entries.filter(document_type=document_type)
    if body:
        entries = entries.filter(case_file__body_id=body)
    return entries
