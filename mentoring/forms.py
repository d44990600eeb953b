"""The forms of the mentoring pages. They only validate what people type; every change goes
through ``mentoring/services.py``."""

import datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring import services
from mentoring.choices import (
    mentor_contact_search_field,
    mentor_people,
    participants_field,
    person_label,
)
from mentoring.models import (
    CalledOffMeeting,
    CallOff,
    CheckIn,
    CheckInKind,
    Flag,
    Initiative,
    Meeting,
    MeetingMode,
    MentorOffer,
    NoteVisibility,
    Pairing,
    PairingStatus,
    Side,
    Task,
)
from organisations.choices import offered_field
from organisations.geography import Region
from organisations.models import (
    CompetenceArea,
    Language,
    Organisation,
    TargetGroup,
)
from scheme.compiled import kept, kept_per_access
from scheme.fields import NokAmountField
from scheme.forms_common import NamedChoicesField, PortalForm, RowsChoiceField
from scheme.models import Scheme
from scheme.once import SubmitOnce
from scheme.roles import OrganisationKind
from scheme.validators import PAST_DATE, PLAUSIBLE_DATE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECKBOXES = forms.CheckboxSelectMultiple


def _limit(model, name) -> int:
    """The model field's maximum length, so the form says (and checks) the model's rule."""
    return model._meta.get_field(name).max_length


def _checkboxes(queryset, label, help_text=""):
    return NamedChoicesField(
        queryset=queryset, label=label, help_text=help_text, required=False, widget=CHECKBOXES
    )


def mentor_organisations():
    return Organisation.objects.filter(kind=OrganisationKind.MENTOR).order_by("name", "id")


def participant_organisations():
    return Organisation.objects.filter(kind=OrganisationKind.PARTICIPANT).order_by("name", "id")


def mentor_contact_field(mentors=None):
    """The people of ``mentors`` (the few suggested) in a select; of any mentor organisation,
    searched, when None."""
    kwargs = {
        "required": False,
        "label": _("The mentor's contact person"),
        "help_text": _("Optional. The person in the mentor organisation who follows the pairing."),
        "empty_label": _("Not chosen yet"),
    }
    if mentors is None:
        return mentor_contact_search_field(**kwargs)
    field = RowsChoiceField(queryset=_people_of(mentor_ids=[m.pk for m in mentors]), **kwargs)
    field.label_from_instance = person_label
    return field


@kept(id_lists=["mentor_ids"])
def _people_of(mentor_ids):
    """``mentor_people`` of the mentor organisations ``mentor_ids``, kept."""
    return mentor_people(mentor_ids)


@kept_per_access
def administered_schemes(access):
    """The active schemes the caseworker's body runs (``access``: their ``Access``)."""
    schemes = Scheme.objects.filter(is_active=True).select_related("administrator")
    return access.administered(schemes, "administrator_id")


class OfferForm(PortalForm):
    """What a mentor organisation offers (``services.save_offer``)."""

    competence_areas = _checkboxes(
        CompetenceArea.objects.all(),
        _("What you can help with"),
        _("The topics your people know well enough to guide a small organisation."),
    )
    regions = forms.MultipleChoiceField(
        label=_("Regions you can cover"),
        choices=Region.choices,
        required=False,
        widget=CHECKBOXES,
        help_text=_("Where you can meet in person. Digital meetings work everywhere."),
    )
    languages = _checkboxes(Language.objects.all(), _("Languages you can mentor in"))
    target_groups = _checkboxes(TargetGroup.objects.all(), _("Target groups you know"))
    wished_target_groups = _checkboxes(
        TargetGroup.objects.all(),
        _("Participants you would especially like to mentor"),
        _("Organisations working with these groups get a higher place in the suggestions."),
    )
    wishes = forms.CharField(
        label=_("Other wishes"),
        required=False,
        max_length=_limit(MentorOffer, "wishes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything else the caseworker should know when matching."),
    )
    capacity = forms.IntegerField(
        label=_("How many participant organisations you can take"),
        min_value=0,
        max_value=50,
        initial=1,
    )
    digital_ok = forms.BooleanField(label=_("We can meet digitally"), required=False, initial=True)

    @classmethod
    def initial_from(cls, offer: MentorOffer | None) -> dict:
        if offer is None:
            return {}
        return {
            "competence_areas": list(offer.competence_areas.all()),
            "regions": list(offer.regions),
            "languages": list(offer.languages.all()),
            "target_groups": list(offer.target_groups.all()),
            "wished_target_groups": list(offer.wished_target_groups.all()),
            "wishes": offer.wishes,
            "capacity": offer.capacity,
            "digital_ok": offer.digital_ok,
        }


class MatchForm(SubmitOnce, PortalForm):
    """The caseworker confirms a pairing for one participant (``services.create_pairing``)."""

    scheme = RowsChoiceField(queryset=Scheme.objects.none(), label=_("Scheme"))
    mentor = RowsChoiceField(
        queryset=mentor_organisations(),
        label=_("Mentor organisation"),
        empty_label=_("Choose a mentor"),
    )
    starts_on = forms.DateField(
        label=_("Start"), widget=DATE, initial=timezone.localdate, validators=PLAUSIBLE_DATE
    )

    def __init__(self, *args, access=None, mentors=None, **kwargs):
        """``mentors``: the mentor organisations to choose from (all when None)."""
        super().__init__(*args, **kwargs)
        schemes = self.fields["scheme"]
        schemes.queryset = administered_schemes(access)
        if len(schemes.rows) == 1:  # read once, for the choices too
            schemes.initial = schemes.rows[0].pk
        if mentors is None:
            self.fields["mentor"] = offered_field(
                "mentors", label=_("Mentor organisation"), empty_label=_("Choose a mentor")
            )
        else:  # as suggested, read already
            self.fields["mentor"].offer(mentors)
        self.fields["mentor_contact"] = mentor_contact_field(mentors)
        self.order_fields(["scheme", "mentor", "participants", "mentor_contact", "starts_on"])


class PairingForm(MatchForm):
    """One mentor with one or several participants (group mentoring)."""

    participants = forms.Field()  # replaced in __init__

    def __init__(self, *args, access=None, **kwargs):
        super().__init__(*args, access=access, **kwargs)
        asked = self.data.getlist("participants") if hasattr(self.data, "getlist") else []
        self.fields["participants"] = participants_field(
            access,
            [*asked, *self.initial.get("participants", [])],
            label=_("Participant organisations"),
            help_text=_("Choose more than one for group mentoring: one mentor with several."),
        )
        self.order_fields(["scheme", "mentor", "participants", "mentor_contact", "starts_on"])


class ReplaceForm(SubmitOnce, PortalForm):
    """End the pairing with a reason and start a new one with another mentor."""

    mentor = RowsChoiceField(
        queryset=mentor_organisations(),
        label=_("New mentor organisation"),
        empty_label=_("Choose a mentor"),
    )
    reason = forms.CharField(
        label=_("Why the mentor is replaced"),
        max_length=_limit(Pairing, "end_reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the pairing's history. Both sides can read it."),
    )
    starts_on = forms.DateField(label=_("The new mentor starts"), widget=DATE,
                                initial=timezone.localdate, validators=PLAUSIBLE_DATE)  # fmt: skip

    def __init__(self, *args, current_mentor=None, mentors=None, **kwargs):
        """``mentors``: the mentor organisations to choose from (all when None)."""
        super().__init__(*args, **kwargs)
        current = current_mentor.pk if current_mentor is not None else None
        if mentors is not None:  # as suggested, read already
            self.fields["mentor"].offer([mentor for mentor in mentors if mentor.pk != current])
        elif current is not None:
            self.fields["mentor"].queryset = mentor_organisations().exclude(pk=current)
        self.fields["mentor_contact"] = mentor_contact_field(mentors)
        self.order_fields(["mentor", "mentor_contact", "starts_on", "reason"])


STATUS_CHOICES = [
    (PairingStatus.ACTIVE, _("Active: the pair meets as agreed")),
    (PairingStatus.PAUSED, _("Paused: no meetings are expected for now")),
    (PairingStatus.ENDED, _("Ended: the collaboration is over")),
]


class StatusForm(PortalForm):
    status = forms.ChoiceField(label=_("New status"), choices=STATUS_CHOICES,
                               widget=forms.RadioSelect)  # fmt: skip
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=_limit(Pairing, "end_reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the pairing ends."),
    )

    def __init__(self, *args, steps, **kwargs):
        """``steps``: the status changes the pairing's workflow allows the caseworker now."""
        super().__init__(*args, **kwargs)
        targets = {step.target for step in steps}
        self.fields["status"].choices = [c for c in STATUS_CHOICES if c[0] in targets]


class MeetingForm(SubmitOnce, PortalForm):
    """A meeting; in a group pairing also which participant organisations took part."""

    held_on = forms.DateField(label=_("Date of the meeting"), widget=DATE,
                              initial=timezone.localdate, validators=PLAUSIBLE_DATE)  # fmt: skip
    mode = forms.ChoiceField(
        label=_("How you met"), choices=MeetingMode.choices, widget=forms.RadioSelect
    )
    # Asked of every new meeting; meetings logged before it was asked are "not recorded".
    initiative = forms.ChoiceField(
        label=_("Who took the initiative to the meeting?"),
        choices=[(c, label) for c, label in Initiative.choices if c != Initiative.UNKNOWN],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say who took the initiative to the meeting.")},
    )
    duration_minutes = forms.IntegerField(
        label=_("Length in minutes"),
        validators=[MinValueValidator(5), MaxValueValidator(600)],
        initial=60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    attendees = forms.CharField(
        label=_("Who took part"),
        max_length=_limit(Meeting, "attendees"),
        help_text=_("Names, or roles, of the people who were there."),
    )
    topics = _checkboxes(CompetenceArea.objects.all(), _("Topics"))
    summary = forms.CharField(
        label=_("Short summary"),
        max_length=_limit(Meeting, "summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A few sentences on what you talked about. Both sides and the caseworker "
                    "can read it."),
    )  # fmt: skip
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=_limit(Meeting, "notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For details you want to remember. Only the people chosen below can read "
                    "them."),
    )  # fmt: skip
    notes_visibility = forms.ChoiceField(
        label=_("Who may read the notes"),
        choices=NoteVisibility.choices,
        initial=NoteVisibility.PAIR,
        widget=forms.RadioSelect,
        help_text=_("The notes are always for the two of you only, unless you choose to let the "
                    "caseworker read them too; other organisations never see them."),
    )  # fmt: skip

    def __init__(self, *args, pairing=None, side=None, **kwargs):
        """``pairing``: in a group, the form asks which participants took part (by default
        ``side``, the user's organisation, when it is one of them)."""
        super().__init__(*args, **kwargs)
        self.pairing, self.side = pairing, side
        members = [member.organisation for member in pairing.members.all()] if pairing else []
        if len(members) < 2:
            return
        ids = [organisation.pk for organisation in members]
        self.fields["participants"] = forms.ModelMultipleChoiceField(
            queryset=participant_organisations().filter(pk__in=ids),
            label=_("Participant organisations that took part"),
            widget=CHECKBOXES,
            initial=[side.pk] if side is not None and side.pk in ids else [],
            error_messages={
                "required": _("Choose the participant organisations that took part.")
            },
            help_text=_("Everyone in the group sees that you met, the summary and the tasks. "
                        "The notes are only for the mentor and the organisations that took "
                        "part."),
        )  # fmt: skip
        self.fields["notes_visibility"].help_text = _(
            "The notes are for the mentor and the organisations that took part only, unless "
            "you choose to let the caseworker read them too; no one else sees them."
        )

    def clean_held_on(self):
        """The service's date rule, asked here so its answer comes with every other problem."""
        held_on = self.cleaned_data["held_on"]
        problem = self.pairing and services.meeting_date_problem(self.pairing, held_on)
        if problem:
            raise forms.ValidationError(problem)
        return held_on

    def clean(self):
        cleaned = super().clean()
        if "participants" in cleaned:
            try:
                services.took_part(self.pairing, self.side, cleaned["participants"])
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned

    def present(self) -> list | None:
        """The mentor and the participant organisations that took part; None while the
        participants chosen have problems."""
        if self.pairing is None or "participants" in self.errors:
            return None
        participants = self.cleaned_data.get("participants")
        return [self.pairing.mentor, *services.took_part(self.pairing, self.side, participants)]


class CalledOffForm(SubmitOnce, PortalForm):
    """A planned meeting that was postponed or cancelled, and which side called it off."""

    planned_on = forms.DateField(label=_("Date the meeting was planned for"), widget=DATE,
                                 validators=PLAUSIBLE_DATE)  # fmt: skip
    outcome = forms.ChoiceField(
        label=_("What happened"),
        choices=CallOff.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the meeting was postponed or cancelled.")},
    )
    new_date = forms.DateField(
        label=_("New date"),
        required=False,
        widget=DATE,
        validators=PLAUSIBLE_DATE,
        help_text=_("Only for a postponed meeting."),
    )
    by_side = forms.ChoiceField(
        label=_("Who postponed or cancelled it?"),
        choices=Side.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say which side postponed or cancelled it.")},
    )
    reason = forms.CharField(
        label=_("Why (optional)"),
        required=False,
        max_length=_limit(CalledOffMeeting, "reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A few words, for example illness or a deadline. The pair and the "
                    "caseworker can read it."),
    )  # fmt: skip

    def __init__(self, *args, pairing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pairing = pairing

    def clean(self):
        """The service's date rules, asked here so that they come with every other problem.
        A cancelled meeting has no new date."""
        cleaned = super().clean()
        if cleaned.get("outcome") == CallOff.CANCELLED:
            cleaned["new_date"] = None
        if self.pairing is not None and "outcome" in cleaned:
            problems = services.called_off_problems(
                self.pairing, cleaned.get("planned_on"), cleaned["outcome"],
                cleaned.get("new_date"),
            )  # fmt: skip
            for name, problem in problems.items():
                if name not in self.errors:
                    self.add_error(name, problem)
        return cleaned


class TaskForm(PortalForm):
    """A task agreed at the meeting; an untouched row is ignored."""

    title = forms.CharField(label=_("Task"), max_length=_limit(Task, "title"))
    owner = forms.TypedChoiceField(label=_("Who does it"), coerce=int)
    due_on = forms.DateField(label=_("Due"), widget=DATE, validators=PLAUSIBLE_DATE)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {o.pk: o for o in organisations}
        self.fields["owner"].choices = [("", _("Choose"))] + [(o.pk, o.name) for o in organisations]

    def clean_owner(self):
        return self.organisations[self.cleaned_data["owner"]]

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate() - datetime.timedelta(days=365):
            raise forms.ValidationError(_("Choose a date from this year or later."))
        return due_on


class BaseTaskFormSet(forms.BaseFormSet):
    row_name = _("Task %(number)s")

    def check_owners(self, present) -> None:
        """Each task belongs to the mentor or an organisation that took part (``present``)."""
        for row in self:
            owner = getattr(row, "cleaned_data", {}).get("owner")
            if owner is not None and owner not in present:
                row.add_error("owner", services.TASK_OWNER_PROBLEM)


TaskFormSet = forms.formset_factory(
    TaskForm, formset=BaseTaskFormSet, extra=3, max_num=10, validate_max=True
)


YES_NO = [("yes", _("Yes, it is a good fit")), ("no", _("No, it is not a good fit"))]
RATING_CHOICES = [(n, str(n)) for n in range(1, 6)]


class FirstCheckInForm(PortalForm):
    good_fit = forms.TypedChoiceField(
        label=_("Is this a good fit?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=_limit(CheckIn, "comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("If it is not a good fit, the caseworker will contact you."),
    )


def _rating(label):
    return forms.TypedChoiceField(
        label=label, choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )


class RatingCheckInForm(PortalForm):
    usefulness = _rating(_("How useful is the mentoring? (1 = not at all, 5 = very)"))
    cooperation = _rating(_("How well do you work together? (1 = badly, 5 = very well)"))
    progress = _rating(_("How much have you achieved? (1 = nothing yet, 5 = a lot)"))
    clarity = forms.TypedChoiceField(
        label=_("How clear were the expectations between you? (1 = not clear, 5 = very clear)"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("What each side expects of the other: how often you meet, who takes the "
                    "initiative, what you work on."),
    )  # fmt: skip
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=_limit(CheckIn, "comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


CHECK_IN_FORMS = {
    CheckInKind.FIRST: FirstCheckInForm,
    CheckInKind.MIDPOINT: RatingCheckInForm,
    CheckInKind.END: RatingCheckInForm,
}


class FlagForm(SubmitOnce, PortalForm):
    message = forms.CharField(
        label=_("What is not working?"),
        max_length=_limit(Flag, "message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only the caseworker reads this."),
    )


class FlagOutcomeForm(PortalForm):
    outcome = forms.CharField(
        label=_("What was done"),
        max_length=_limit(Flag, "outcome"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Both sides of the pairing are told this outcome."),
    )


class CompensationForm(PortalForm):
    """The compensation of one mentor organisation for the chosen scheme year."""

    mentor = forms.ModelChoiceField(queryset=mentor_organisations(), widget=forms.HiddenInput)
    amount = NokAmountField(
        label=_("Compensation (NOK)"),
        required=False,
        help_text=_("Leave empty for the scheme year's default."),
    )


class PaymentForm(SubmitOnce, PortalForm):
    amount = NokAmountField(label=_("Amount paid (NOK)"), min_value=1)
    paid_on = forms.DateField(
        label=_("Paid on"), widget=DATE, initial=timezone.localdate, validators=PAST_DATE
    )
