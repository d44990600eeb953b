"""The caseworker's forms: calls, invitations, impartiality, assessment, proposal, decisions,
money out and back, reports, appeals and change notices.

The forms only check what was typed; the rules about state and money are the services'
(grants/services.py), whose errors the views show on these forms."""

from typing import NamedTuple

from django import forms
from django.forms import formset_factory
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from grants.forms.bounds import date_rules, max_length
from grants.models import (
    Appeal,
    AppealStatus,
    Application,
    Assessment,
    ChangeNotice,
    Clawback,
    Criterion,
    Decision,
    DecisionProposal,
    Disbursement,
    GrantReport,
    Instalment,
    PaymentAttestation,
    Repayment,
    Round,
    RoundKind,
)
from scheme.fields import NokAmountField
from scheme.formatting import format_nok
from scheme.forms_common import PortalForm
from scheme.models import SchemeYear
from scheme.once import SubmitOnce

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def money(label, required=True, **kwargs):
    return NokAmountField(label=label, required=required, **kwargs)


def date(label, of, required=True, **kwargs):
    """A date with the rules of the model field ``of`` = (model, field name)."""
    return forms.DateField(
        label=label, required=required, widget=DATE, validators=date_rules(*of), **kwargs
    )


def text(label, of, required=True, rows=4, **kwargs):
    """A text area as long as the model field ``of`` = (model, field name) allows."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length(*of),
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


# --- calls -----------------------------------------------------------------------------------


class RoundForm(SubmitOnce, PortalForm):
    scheme_year = forms.ModelChoiceField(
        label=_("Scheme year"),
        queryset=SchemeYear.objects.none(),
        empty_label=_("Choose the scheme year"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind of call"), choices=RoundKind.choices, widget=forms.RadioSelect
    )
    continuation = forms.BooleanField(
        label=_("Continuation for organisations already in the scheme"),
        required=False,
        help_text=_("The admission rules are then not checked again."),
    )
    opens_on = date(_("Opens"), (Round, "opens_on"))
    closes_on = date(
        _("Closes"), (Round, "closes_on"), help_text=_("The last day organisations can send.")
    )
    guidance = text(
        _("Guidance"),
        (Round, "guidance"),
        rows=8,
        help_text=_("What the call is for and how to apply, in plain language."),
    )

    def __init__(self, *args, scheme_years, lock_scheme_year=False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["scheme_year"]
        field.queryset = scheme_years
        if lock_scheme_year:
            field.disabled = True
            field.help_text = _("The call has applications, so its year can no longer change.")

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The call must close on or after the day it opens."))
        return data


class InviteForm(PortalForm):
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations to invite"),
        queryset=None,
        error_messages={"required": _("Choose at least one organisation to invite.")},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = organisations


# --- assessment ------------------------------------------------------------------------------


# has_conflict -> (the form's value, the label)
IMPARTIAL_CHOICES = {
    False: ("impartial", _("I am impartial in this case")),
    True: ("conflict", _("I am not impartial in this case")),
}


class ImpartialityForm(PortalForm):
    """The declarations the service allows now (``services.declaration_choices``): both at
    first, only a conflict after "impartial"."""

    declaration = forms.ChoiceField(
        label=_("Your declaration"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether you are impartial."),
            "invalid_choice": _("Choose one of the declarations shown."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        help_text=_("If you are not impartial, say briefly why, so a colleague can take over."),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declaration"].choices = [IMPARTIAL_CHOICES[c] for c in choices]

    def clean(self):
        data = super().clean()
        if data.get("declaration") == "conflict" and not data.get("note", "").strip():
            self.add_error("note", _("Say briefly why you are not impartial."))
        return data

    @property
    def has_conflict(self) -> bool:
        return self.cleaned_data["declaration"] == "conflict"


SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]
PURPOSE_CHOICES = [
    ("", _("Not judged yet")),
    ("yes", _("Yes, it works for the scheme's purpose")),
    ("no", _("No, it does not")),
]


class AssessmentForm(PortalForm):
    """A score from 1 to 5 and a note for each selection criterion, and the rest."""

    purpose_confirmed = forms.TypedChoiceField(
        label=_("Does the organisation work for the scheme's purpose?"),
        choices=PURPOSE_CHOICES,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    phoned_at = date(
        _("Phoned to confirm motivation on"),
        (Assessment, "phoned_at"),
        required=False,
        help_text=_("Leave empty if you have not phoned."),
    )
    phone_note = forms.CharField(
        label=_("What the phone call showed"), max_length=500, required=False
    )
    summary = text(_("Summary"), (Assessment, "summary"), required=False, rows=4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The score fields come first, one pair per criterion.
        fields = {}
        for criterion in Criterion:
            fields[f"score_{criterion.value}"] = forms.TypedChoiceField(
                label=_("Score: %(criterion)s") % {"criterion": criterion.label},
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Give a score from 1 to 5.")},
            )
            fields[f"note_{criterion.value}"] = forms.CharField(
                label=_("Note: %(criterion)s") % {"criterion": criterion.label},
                max_length=500,
                required=False,
            )
        self.fields = fields | dict(self.fields)

    def clean(self):
        data = super().clean()
        phoned_at = data.get("phoned_at")  # not in the future: the field's rules say so
        if data.get("phone_note", "").strip() and not phoned_at and "phoned_at" not in self.errors:
            self.add_error("phoned_at", _("Give the date you phoned."))
        return data

    def criteria_fields(self):
        """(criterion label, score field, note field) for the template."""
        return [
            (criterion.label, self[f"score_{criterion.value}"], self[f"note_{criterion.value}"])
            for criterion in Criterion
        ]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "scores": {
                criterion.value: (
                    data[f"score_{criterion.value}"],
                    data[f"note_{criterion.value}"],
                )
                for criterion in Criterion
            },
            "purpose_confirmed": data["purpose_confirmed"],
            "phoned_at": data["phoned_at"],
            "phone_note": data["phone_note"],
            "summary": data["summary"],
        }

    @classmethod
    def initial_from(cls, assessment) -> dict:
        if assessment is None:
            return {}
        initial = {
            "purpose_confirmed": {True: "yes", False: "no"}.get(assessment.purpose_confirmed, ""),
            "phoned_at": assessment.phoned_at,
            "phone_note": assessment.phone_note,
            "summary": assessment.summary,
        }
        for score in assessment.scores.all():
            initial[f"score_{score.criterion}"] = str(score.score)
            initial[f"note_{score.criterion}"] = score.note
        return initial


PROPOSED_CHOICES = [("yes", _("Propose for award")), ("no", _("Do not propose"))]


ROW_FIELDS = ("rank", "proposed_amount")  # what a portfolio row lets the caseworker change


class RowInput(NamedTuple):
    """One input of the portfolio's rows, as its form field would write it, written without
    the template engine: a page has dozens of rows."""

    name: str
    type: str
    attrs: str  # the other HTML attributes (min, max, class ...), safe to write as they are
    help_text: str

    @classmethod
    def of(cls, bound_field):
        widget = bound_field.field.widget
        return cls(
            bound_field.html_name,
            widget.input_type,
            flatatt(widget.attrs),
            bound_field.help_text,
        )

    def render(self, row, value, errors, label, *, form="", help_id=""):
        """The input of the application ``row`` (pk) with its label for screen readers and
        its errors under it; ids as ``ProposalForm(auto_id=f"id_%s_{row}")`` gives them, so
        that the error summary links here."""
        input_id = f"id_{self.name}_{row}"
        error_id = f"{input_id}_error" if errors else ""
        described_by = " ".join(filter(None, [help_id, error_id]))
        return format_html(
            '<label class="visually-hidden" for="{}">{}</label>'
            '<input type="{}" name="{}" id="{}" value="{}"{}{}{}{}>{}',
            input_id,
            label,
            self.type,
            self.name,
            input_id,
            "" if value is None else value,
            self.attrs,
            format_html(' form="{}"', form) if form else "",
            format_html(' aria-describedby="{}"', described_by) if described_by else "",
            mark_safe(' aria-invalid="true"') if errors else "",
            format_html(
                '<div class="invalid-feedback d-block" id="{}">{}</div>', error_id, " ".join(errors)
            )
            if errors
            else "",
        )


class ProposalForm(PortalForm):
    proposed = forms.TypedChoiceField(
        label=_("Proposal"),
        choices=PROPOSED_CHOICES,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you propose the application.")},
    )
    rank = forms.IntegerField(
        label=_("Rank"),
        min_value=1,
        max_value=999,
        required=False,
        help_text=_("1 is the strongest application in the call."),
    )
    proposed_amount = money(_("Proposed amount"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("proposed"):
            if data.get("rank") is None and "rank" not in self.errors:
                self.add_error("rank", _("Give the application a rank."))
            if data.get("proposed_amount") is None and "proposed_amount" not in self.errors:
                self.add_error("proposed_amount", _("Give the amount you propose."))
            elif data.get("proposed_amount") == 0:
                self.add_error("proposed_amount", _("The amount must be more than 0."))
        return data

    @classmethod
    def row_inputs(cls, prefix) -> dict:
        """The inputs of a portfolio row (name, type, attributes, help): the proposal, its rank
        and amount. Read once from this form, so that its rules (min, max, input mode) stay
        here and a page of rows needs no form per row."""
        form = cls(prefix=prefix)
        for name in ROW_FIELDS:
            form.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        form.fields["rank"].widget.attrs.update({"min": "1", "placeholder": _("rank")})
        return {name: RowInput.of(form[name]) for name in ("proposed", *ROW_FIELDS)}

    @classmethod
    def row_values(cls, application) -> dict:
        """What a portfolio row's inputs hold before the caseworker types: as the form shows
        ``initial_from(application)``."""
        initial = cls.initial_from(application)
        return {name: cls.base_fields[name].prepare_value(initial.get(name)) for name in ROW_FIELDS}

    @classmethod
    def initial_from(cls, application) -> dict:
        assessment = getattr(application, "assessment", None)
        if assessment is None or not assessment.proposed:
            return {"proposed": "yes", "proposed_amount": application.amount}
        return {
            "proposed": "yes",
            "rank": assessment.rank,
            "proposed_amount": assessment.proposed_amount,
        }


# --- decisions -------------------------------------------------------------------------------


class AwardForm(PortalForm):
    amount = money(_("Amount to award"))
    reasons = text(
        _("Reasons"),
        (Decision, "reasons"),
        help_text=_("The organisation reads these in the decision. Say why it gets the grant."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I have checked the amount, the reasons and the payment plan. The decision is sent "
            "to the organisation at once."
        ),
        error_messages={"required": _("Tick the box to confirm the decision.")},
    )

    def __init__(self, *args, proposing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if proposing:
            self.fields["confirm"].label = PROPOSING_CONFIRMATION

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("The amount must be more than 0."))
        return amount


# Where the scheme has decisions approved by a second person, the caseworker proposes.
PROPOSING_CONFIRMATION = _(
    "I have checked the amount, the reasons and the payment plan. The decision is made when "
    "an approver has approved it."
)


class InstalmentForm(PortalForm):
    amount = money(_("Amount"), required=False)
    amount.widget.attrs["class"] = "form-control form-control-sm"
    due_on = forms.DateField(
        label=_("To be paid"),
        required=False,
        validators=date_rules(Instalment, "due_on"),
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
        ),
    )
    after_report_approved = forms.BooleanField(
        label=_("Only after the grant report is approved"), required=False
    )

    def clean(self):
        data = super().clean()
        if not self.has_changed():
            return data
        if data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Give the amount of this instalment."))
        elif data.get("amount") == 0:
            self.add_error("amount", _("The amount must be more than 0."))
        if data.get("due_on") is None and "due_on" not in self.errors:
            self.add_error("due_on", _("Give the date this instalment is to be paid."))
        return data


class BaseInstalmentFormSet(forms.BaseFormSet):
    def instalments(self) -> list:
        """(amount, due date, after report approved) for each filled row; [] for the default."""
        return [
            (form.cleaned_data["amount"], form.cleaned_data["due_on"],
             form.cleaned_data["after_report_approved"])
            for form in self.forms
            if form.has_changed() and form.cleaned_data
        ]  # fmt: skip


InstalmentFormSet = formset_factory(
    InstalmentForm, formset=BaseInstalmentFormSet, extra=3, max_num=6, validate_max=True
)


class RejectForm(PortalForm):
    reasons = text(
        _("Reasons"),
        (Decision, "reasons"),
        help_text=_("The organisation reads these in the decision. Say plainly why."),
    )


class InfoRequestForm(PortalForm):
    question = text(
        _("Your question"),
        (Application, "info_request"),
        rows=3,
        help_text=_("The application goes back to the organisation with this question."),
    )


class AppealForm(PortalForm):
    status = forms.ChoiceField(
        label=_("Outcome of the appeal"),
        choices=[
            (AppealStatus.UPHELD, _("The decision stands")),
            (AppealStatus.CHANGED, _("The decision is changed")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the decision stands or is changed.")},
    )
    outcome = text(
        _("Outcome and reasons"),
        (Appeal, "outcome"),
        rows=3,
        help_text=_("The organisation reads this."),
    )


# --- money out and back ----------------------------------------------------------------------


class DisbursementForm(SubmitOnce, PortalForm):
    instalment = forms.ModelChoiceField(
        label=_("Instalment"),
        queryset=None,
        required=False,
        empty_label=_("Not against an instalment"),
    )
    amount = money(
        _("Amount to pay"),
        required=False,
        help_text=_("Leave empty to pay the whole instalment."),
    )
    pay_on = date(_("To be paid on"), (PaymentAttestation, "pay_on"), initial=timezone.localdate)

    def __init__(self, *args, instalments, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["instalment"]
        field.queryset = instalments
        field.label_from_instance = lambda instalment: (
            _("Instalment %(number)s: %(amount)s")
            % {"number": instalment.number, "amount": format_nok(instalment.amount)}
        )

    def clean(self):
        data = super().clean()
        instalment, amount = data.get("instalment"), data.get("amount")
        if "amount" in self.errors:
            return data
        if instalment is not None:
            if amount is None:
                data["amount"] = instalment.amount
            elif amount != instalment.amount:
                self.add_error(
                    "amount",
                    _(
                        "An instalment is paid in full. Leave the amount empty, or choose "
                        "no instalment to record another payment."
                    ),
                )
        elif amount is None:
            self.add_error("amount", _("Give the amount to pay."))
        elif amount == 0:
            self.add_error("amount", _("The amount must be more than 0."))
        return data


class ClawbackForm(SubmitOnce, PortalForm):
    amount = money(_("Amount to claim back"))
    reasons = text(
        _("Reasons"),
        (Decision, "reasons"),
        help_text=_("This is a decision the organisation can appeal. Say plainly why."),
    )
    due_on = date(_("Repay by"), (Clawback, "due_on"))


class RepaymentForm(SubmitOnce, PortalForm):
    amount = money(_("Amount repaid"))
    paid_on = date(_("Repaid on"), (Repayment, "paid_on"), initial=timezone.localdate)


class ChangeNoticeForm(PortalForm):
    outcome = text(
        _("What the change means for the grant"),
        (ChangeNotice, "outcome"),
        rows=3,
        help_text=_("The organisation reads this."),
    )


class ReturnReportForm(PortalForm):
    comment = text(
        _("What the organisation must change"),
        (GrantReport, "caseworker_comment"),
        rows=4,
        help_text=_("The organisation reads this and sends the report again."),
    )


# --- two people on decisions and payments ----------------------------------------------------


class ReturnProposalForm(PortalForm):
    comment = text(
        _("What should be changed"),
        (DecisionProposal, "comment"),
        rows=3,
        help_text=_("The caseworker who proposed the decision reads this."),
    )


class ApprovePaymentForm(PortalForm):
    paid_on = date(
        _("Paid on"),
        (Disbursement, "paid_on"),
        required=False,
        help_text=_("Leave empty for today."),
    )


class RefusePaymentForm(PortalForm):
    comment = text(
        _("Why the payment is refused"),
        (PaymentAttestation, "comment"),
        rows=3,
        help_text=_("The caseworker who attested the payment reads this."),
    )
