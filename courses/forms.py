"""The forms of competence building.

The forms only check what was typed; the rules about state (deadlines, the cap per
organisation, who may do what) are the services' (courses/services.py), whose errors the views
show on these forms."""

from django import forms
from django.contrib.auth import get_user_model
from django.forms import formset_factory
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from courses.choices import task_organisations_field
from courses.models import (
    AnnualPlan,
    Answer,
    Audience,
    Event,
    EventKind,
    FeedbackForm,
    HandIn,
    ItemKind,
    PlanComment,
    PlannedItem,
    PracticalTask,
    QuestionKind,
    Registration,
    late_deadline,
)
from organisations.choices import offered_field
from organisations.models import CompetenceArea, Organisation
from scheme.formatting import format_day
from scheme.forms_common import NamedChoicesField, PortalForm, RowsChoiceField
from scheme.models import Scheme
from scheme.once import SubmitOnce
from scheme.validators import EARLIEST_DATE, LATEST_DATE, PLAUSIBLE_DATE, SHORT_TEXT

# The browser's date pickers keep to the dates the models accept (scheme.validators).
DATE = forms.DateInput(
    attrs={"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()},
    format="%Y-%m-%d",
)
DATETIME = forms.DateTimeInput(
    attrs={
        "type": "datetime-local",
        "min": f"{EARLIEST_DATE.isoformat()}T00:00",
        "max": f"{LATEST_DATE.isoformat()}T23:59",
    },
    format="%Y-%m-%dT%H:%M",
)
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
MONTH_CHOICES = [(number, name) for number, name in MONTHS.items()]


def textarea(label, required=True, rows=4, **kwargs):
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


def limit_of(model, field: str) -> int:
    """The maximum length the model gives a text field (its form's text area says it too)."""
    return model._meta.get_field(field).max_length


def date_field(label, **kwargs):
    return forms.DateField(label=label, widget=DATE, validators=PLAUSIBLE_DATE, **kwargs)


def datetime_field(label, **kwargs):
    return forms.DateTimeField(label=label, widget=DATETIME, validators=PLAUSIBLE_DATE, **kwargs)


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def organisation_field(organisations, label=None):
    """The user's organisation: a choice when they belong to several, else fixed and hidden."""
    field = OrganisationChoiceField(
        label=label or _("Organisation"),
        queryset=Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("name"),
        empty_label=None,
        initial=organisations[0].pk if organisations else None,
    )
    # The choices from the organisations at hand, so that showing them asks no query.
    field.choices = [(o.pk, o.name) for o in sorted(organisations, key=lambda o: o.name)]
    if len(organisations) == 1:
        field.widget = forms.HiddenInput()
    return field


# --- the events list --------------------------------------------------------------------------


class EventFilterForm(PortalForm):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *EventKind.choices], required=False
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years"))] + [(y, str(y)) for y in years]


# --- events -----------------------------------------------------------------------------------


class PlannedItemChoiceField(RowsChoiceField):
    def label_from_instance(self, obj):
        month = MONTHS[obj.month]
        return f"{obj.plan.scheme_year}: {month} – {obj.get_kind_display()}: {obj.topic}"


class EventForm(SubmitOnce, PortalForm):
    scheme_year = RowsChoiceField(
        label=_("Scheme year"), queryset=None, empty_label=_("Choose the scheme year")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices, widget=forms.RadioSelect)
    audience = forms.ChoiceField(
        label=_("Who it is for"), choices=Audience.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = textarea(
        _("Description"), required=False, rows=5, max_length=limit_of(Event, "description")
    )
    provider = offered_field(
        "hosts",
        label=_("Provider organisation"),
        required=False,
        empty_label=_("Not in the portal"),
        help_text=_("Choose the organisation when it is in the portal; else write its name below."),
    )
    provider_name = forms.CharField(
        label=_("Provider (when not in the portal)"), max_length=200, required=False
    )
    starts_at = datetime_field(_("Starts"))
    ends_at = datetime_field(_("Ends"))
    is_digital = forms.BooleanField(
        label=_("Digital (held online)"),
        required=False,
    )
    meeting_link = forms.URLField(
        label=_("Meeting link"),
        required=False,
        assume_scheme="https",
        help_text=_("Only the people the event is for see the link. You can add it later."),
    )
    place = forms.CharField(
        label=_("Place"), max_length=300, required=False, help_text=_("Address and room.")
    )
    at_administrator = forms.BooleanField(
        label=_("In the administering body's own premises"), required=False
    )
    registration_deadline = date_field(_("Register by"))
    planned_item = PlannedItemChoiceField(
        label=_("Fulfils the planned item"),
        queryset=None,
        required=False,
        empty_label=_("Not in the plan"),
    )
    competence_areas = NamedChoicesField(
        label=_("Competence areas covered"),
        queryset=CompetenceArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, scheme_years, planned_items, **kwargs):
        super().__init__(*args, **kwargs)
        # The rows the view may have read already (choosing this year's) are the choices.
        field = self.fields["scheme_year"]
        field.queryset = scheme_years
        field.rows = self.scheme_years = list(scheme_years)
        self.fields["planned_item"].queryset = planned_items

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The event must end after it starts."))
        if late := late_deadline(starts, data.get("registration_deadline")):
            self.add_error("registration_deadline", late)
        if not data.get("is_digital") and not data.get("place", "").strip():
            self.add_error("place", _("Write where the event is held, or tick “Digital”."))
        if not data.get("provider") and not data.get("provider_name", "").strip():
            self.add_error("provider_name", _("Choose or write who gives the event."))
        item, scheme_year = data.get("planned_item"), data.get("scheme_year")
        if item and scheme_year and item.plan.scheme_year_id != scheme_year.pk:
            self.add_error("planned_item", _("Choose an item from this year's plan."))
        return data


class ProgrammeItemForm(PortalForm):
    starts_at = forms.TimeField(label=_("Time"), widget=TIME)
    title = forms.CharField(label=_("Item"), max_length=200)
    presenter = offered_field(
        "hosts",
        label=_("Presenter organisation"),
        required=False,
        empty_label=_("Not in the portal"),
    )
    presenter_name = forms.CharField(
        label=_("Presenter (when not in the portal)"), max_length=200, required=False
    )


ProgrammeFormSet = formset_factory(ProgrammeItemForm, extra=3, can_delete=True)


class CancelEventForm(PortalForm):
    reason = textarea(
        _("Why is the event cancelled?"),
        rows=3,
        max_length=SHORT_TEXT,
        help_text=_("The registered organisations get this message."),
    )


class PostponeEventForm(PortalForm):
    """The new time of a postponed event; the rules on the dates are the service's."""

    starts_at = datetime_field(_("New start"))
    ends_at = datetime_field(_("New end"))
    registration_deadline = date_field(
        _("Register by"), help_text=_("You can open registration again until the new date.")
    )
    reason = textarea(
        _("Why is the event postponed?"),
        rows=3,
        max_length=SHORT_TEXT,
        help_text=_("The registered organisations get this message with the new date."),
    )


# --- registration and attendance ----------------------------------------------------------------


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.email


NEEDS_HELP = _(
    "Only the caseworker sees this, and it is deleted the day after the gathering. Write only "
    "what the organisers need to know."
)


class RegistrationForm(PortalForm):
    organisation = forms.Field()  # replaced in __init__
    person_name = forms.CharField(
        label=_("Name of the person who comes"), max_length=150, required=False
    )
    person = PersonChoiceField(
        label=_("Or choose someone in your organisation with a login"),
        queryset=None,
        required=False,
        empty_label=_("Nobody chosen"),
        help_text=_("They then see the event in their own calendar."),
    )
    dietary_needs = textarea(
        _("Dietary needs (if any)"),
        required=False,
        rows=2,
        max_length=limit_of(Registration, "dietary_needs"),
        help_text=NEEDS_HELP,
    )
    accessibility_needs = textarea(
        _("Accessibility needs (if any)"),
        required=False,
        rows=2,
        max_length=limit_of(Registration, "accessibility_needs"),
        help_text=_(
            "For example step-free access, a sign language interpreter or a hearing loop. "
            "Only the caseworker sees this, and it is deleted the day after the gathering."
        ),
    )

    def __init__(self, *args, organisations, asks_about_needs=False, **kwargs):
        """``asks_about_needs``: the event's ``Event.asks_about_needs``."""
        super().__init__(*args, **kwargs)
        if not asks_about_needs:
            del self.fields["dietary_needs"], self.fields["accessibility_needs"]
        self.fields["organisation"] = organisation_field(organisations)
        self.fields["person"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__organisation__in=[o.pk for o in organisations], is_active=True
            )
            .distinct()
            .order_by("full_name")
        )
        self.order_fields(["organisation", "person_name", "person"])

    def needs(self) -> dict:
        """The needs typed, as the services take them."""
        names = ("dietary_needs", "accessibility_needs")
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}

    def clean(self):
        data = super().clean()
        if not data.get("person_name", "").strip():
            person = data.get("person")
            if person is not None:
                data["person_name"] = person.full_name or person.email
            elif "person_name" not in self.errors:
                self.add_error("person_name", _("Write the name of the person who comes."))
        return data


class AttendanceForm(PortalForm):
    came = forms.MultipleChoiceField(label=_("Came"), required=False)

    def __init__(self, *args, people, **kwargs):
        """``people``: (registration id, person's name, ...) rows of those registered."""
        super().__init__(*args, **kwargs)
        # Made when a sent form is checked, not for showing the boxes (the view writes them).
        self.fields["came"].choices = lambda: [(str(pk), name) for pk, name, *_rest in people]


# --- materials and practical tasks ----------------------------------------------------------------


class MaterialForm(SubmitOnce, PortalForm):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the file name."),
    )
    file = forms.FileField(label=_("File"))


class TaskForm(SubmitOnce, PortalForm):
    title = forms.CharField(label=_("Task"), max_length=200)
    description = textarea(
        _("What to do"), rows=5, max_length=limit_of(PracticalTask, "description")
    )
    organisations = forms.Field()  # replaced in __init__
    due_on = date_field(_("Hand in by"))

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"] = task_organisations_field(
            event,
            label=_("Organisations"),
            help_text=_("One organisation, or two working together."),
        )
        self.order_fields(["title", "description", "organisations", "due_on"])

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(_("The hand-in date cannot be in the past."))
        return due_on

    def clean_organisations(self):
        organisations = self.cleaned_data["organisations"]
        if not 1 <= len(organisations) <= 2:
            raise forms.ValidationError(_("Choose one organisation, or two working together."))
        return organisations


class HandInForm(SubmitOnce, PortalForm):
    organisation = forms.Field()  # replaced in __init__
    text = textarea(_("Your answer"), required=False, rows=6, max_length=limit_of(HandIn, "text"))
    file = forms.FileField(label=_("File"), required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = organisation_field(organisations)
        self.order_fields(["organisation", "text", "file"])

    def clean(self):
        data = super().clean()
        if not data.get("text", "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Write your answer or upload a file."))
        return data


# --- the annual plan ---------------------------------------------------------------------------


class PlanIntroductionForm(PortalForm):
    introduction = textarea(
        _("Introduction"),
        required=False,
        rows=5,
        max_length=limit_of(AnnualPlan, "introduction"),
        help_text=_("What the year's competence building aims at, in a few plain sentences."),
    )


class PlannedItemForm(SubmitOnce, PortalForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    month = forms.TypedChoiceField(label=_("Month"), choices=MONTH_CHOICES, coerce=int)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    competence_areas = NamedChoicesField(
        label=_("Competence areas"),
        queryset=CompetenceArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    @classmethod
    def initial_for(cls, item: PlannedItem) -> dict:
        return {
            "kind": item.kind,
            "month": item.month,
            "topic": item.topic,
            "competence_areas": [area.pk for area in item.competence_areas.all()],
        }


class PlanCommentForm(SubmitOnce, PortalForm):
    organisation = forms.Field()  # replaced in __init__
    text = textarea(
        _("Your comment"),
        rows=4,
        max_length=limit_of(PlanComment, "text"),
        help_text=_("What would you like more or less of? Which topics would help you?"),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = organisation_field(organisations, _("On behalf of"))
        self.order_fields(["organisation", "text"])


# --- feedback forms ----------------------------------------------------------------------------


class EventChoiceField(RowsChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({format_day(obj.starts_at.date())})"


class FeedbackFormForm(SubmitOnce, PortalForm):
    scheme = RowsChoiceField(label=_("Scheme"), queryset=Scheme.objects.none(), empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    introduction = textarea(
        _("Introduction"),
        required=False,
        rows=3,
        max_length=limit_of(FeedbackForm, "introduction"),
    )
    event = EventChoiceField(
        label=_("Event"),
        queryset=Event.objects.none(),
        required=False,
        empty_label=_("The scheme as a whole"),
        help_text=_("Leave empty for a form about the whole scheme, such as the closing one."),
    )
    opens_at = datetime_field(_("Open for answers from"), required=False)
    closes_at = datetime_field(_("Open for answers until"), required=False)

    def __init__(self, *args, schemes, events, lock_scheme=False, **kwargs):
        """``schemes`` and ``events``: the rows to choose among, read already."""
        super().__init__(*args, **kwargs)
        self.fields["scheme"].offer(schemes)
        self.fields["event"].offer(events)
        if lock_scheme:
            self.fields["scheme"].disabled = True

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes < opens:
            self.add_error("closes_at", _("The form must close after it opens."))
        event, scheme = data.get("event"), data.get("scheme")
        if event and scheme and event.scheme_year.scheme_id != scheme.pk:
            self.add_error("event", _("Choose an event of this scheme."))
        return data


class QuestionForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("Kind of answer"), choices=QuestionKind.choices, initial=QuestionKind.RATING
    )
    text = forms.CharField(label=_("Question"), max_length=300)
    choices = textarea(
        _("Choices, one per line"),
        required=False,
        rows=3,
        max_length=SHORT_TEXT,
        help_text=_("Only for one or several choices."),
    )
    required = forms.BooleanField(label=_("Must be answered"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in data.get("choices", "").splitlines() if line.strip()]
        data["choice_list"] = list(dict.fromkeys(lines))
        needs_choices = data.get("kind") in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
        if needs_choices and len(data["choice_list"]) < 2:
            self.add_error("choices", _("Write at least two choices, one per line."))
        return data


class BaseQuestionFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.questions():
            raise forms.ValidationError(_("Add at least one question."))

    def questions(self):
        """(kind, text, choices, required) for each filled-in question, in order."""
        return [
            (
                form.cleaned_data["kind"],
                form.cleaned_data["text"],
                form.cleaned_data["choice_list"],
                form.cleaned_data["required"],
            )
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("text")
        ]


def question_formset(extra=2):
    """The questions of a form: a new form starts with five empty rows, a saved one gets two."""
    return formset_factory(QuestionForm, formset=BaseQuestionFormSet, extra=extra, can_delete=True)


class AnswerForm(PortalForm):
    """One field per question: ratings and single choices as radio buttons, several choices as
    checkboxes, free text as a text area. Field names are ``q<question id>``."""

    organisation = forms.Field()  # replaced in __init__

    def __init__(self, *args, questions, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations:
            self.fields["organisation"] = organisation_field(organisations, _("Answering for"))
        else:
            del self.fields["organisation"]
        for question in questions:
            self.fields[f"q{question.pk}"] = self._field(question)

    @staticmethod
    def _field(question):
        common = {"label": question.text, "required": question.required}
        if question.kind == QuestionKind.RATING:
            return forms.ChoiceField(
                choices=[(str(n), str(n)) for n in range(1, 6)],
                widget=forms.RadioSelect(attrs={"class": "rating"}),
                help_text=_("1 is the lowest, 5 the highest."),
                **common,
            )
        if question.kind == QuestionKind.SINGLE:
            return forms.ChoiceField(
                choices=[(c, c) for c in question.choices], widget=forms.RadioSelect, **common
            )
        if question.kind == QuestionKind.MULTIPLE:
            return forms.MultipleChoiceField(
                choices=[(c, c) for c in question.choices],
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=limit_of(Answer, "text"),
            **common,
        )

    def answers(self) -> dict:
        """Question id -> value, as ``services.answer_form`` takes them."""
        return {
            int(name[1:]): value
            for name, value in self.cleaned_data.items()
            if name.startswith("q") and name[1:].isdigit()
        }
