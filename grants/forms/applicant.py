"""Forms for the organisation's side: the application in steps, appeals, change notices and
the grant report. They check what a person can get wrong while typing; the services check the
rules again and have the last word."""

from decimal import Decimal

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from grants.account_numbers import clean_account_number
from grants.forms.bounds import max_length
from grants.models import (
    AccountLine,
    Appeal,
    Application,
    AttachmentKind,
    BudgetCategory,
    ChangeNotice,
    GoalResult,
    GrantReport,
    LineKind,
    total_of,
)
from grants.services import room_message
from grants.services.reports import category_misfit_message
from organisations.models import CompetenceArea, TargetGroup
from scheme.fields import NokAmountField
from scheme.formatting import format_nok
from scheme.forms_common import PortalForm
from scheme.once import SubmitOnce
from scheme.storage import ALLOWED, MAX_UPLOAD_BYTES

YES_NO = [("true", _("Yes")), ("false", _("No"))]


def money(label, **kwargs):
    return NokAmountField(label=label, **kwargs)


def choices_of(text_choices, empty_label):
    return [("", empty_label), *((value, capfirst(label)) for value, label in text_choices)]


def upload_help():
    return _("Allowed file types: %(types)s. At most %(size)s per file.") % {
        "types": ALLOWED,
        "size": filesizeformat(MAX_UPLOAD_BYTES),
    }


def free_text(label, of, rows=4, **kwargs):
    """A text area as long as the model field ``of`` = (model, field name) allows."""
    return forms.CharField(
        label=label,
        max_length=max_length(*of),
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


# --- the application --------------------------------------------------------------------------


class AmountForm(PortalForm):
    """The amount applied for, never above the year's maximum grant. Its help says what is left
    for the organisation this year (``room``); sending refuses more than that."""

    amount = money(_("Amount you apply for (NOK)"), required=False)
    their_reference = forms.CharField(
        label=_("Your reference (optional)"),
        max_length=max_length(Application, "their_reference"),
        required=False,
        help_text=_(
            "Your own reference for this application, if you use one. We quote it on our "
            "letters as “Deres ref.”."
        ),
    )

    def __init__(self, *args, scheme_year, room, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme_year = scheme_year
        self.room = room
        self.fields["amount"].help_text = "{} {}".format(
            room_message(room), _("Write the amount in whole kroner, for example 95000.")
        )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None:
            return None
        if amount <= 0:
            raise forms.ValidationError(_("The amount must be more than 0."))
        if amount > self.scheme_year.max_grant:
            raise forms.ValidationError(
                _("You can apply for at most %(max)s.")
                % {"max": format_nok(self.scheme_year.max_grant)}
            )
        return amount


class BudgetLineForm(PortalForm):
    category = forms.ChoiceField(
        label=_("Category"),
        choices=choices_of(BudgetCategory.choices, _("Choose a category")),
        error_messages={"required": _("Choose a category.")},
    )
    description = forms.CharField(label=_("What for"), max_length=200, required=False)
    amount = money(_("Amount (NOK)"), error_messages={"required": _("Write the amount.")})


class BaseLinesFormSet(forms.BaseFormSet):
    """Lines where a row left empty is ignored and a row marked for removal is dropped.

    The saved lines are shown as initial values, but on saving every row counts as new: the
    service replaces all lines, and a row someone empties is simply left out.
    """

    def initial_form_count(self):
        return 0 if self.is_bound else super().initial_form_count()

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this line")

    def kept_forms(self):
        return [
            form for form in self.forms if form.has_changed() and not self._should_delete_form(form)
        ]

    def typed(self) -> list[dict]:
        """The rows typed so far that have an amount, also when some rows have errors."""
        rows = [getattr(form, "cleaned_data", {}) or {} for form in self.kept_forms()]
        return [row for row in rows if row.get("amount") is not None]

    def running_total(self) -> Decimal:
        """The sum of the amounts typed so far."""
        return total_of(row["amount"] for row in self.typed())


class BudgetFormSet(BaseLinesFormSet):
    def lines(self):
        """(category, description, amount) for save_budget."""
        return [
            (f.cleaned_data["category"], f.cleaned_data["description"], f.cleaned_data["amount"])
            for f in self.kept_forms()
        ]


def budget_formset(data=None, lines=(), prefix="budget"):
    extra = 2 if lines else 3
    formset_class = forms.formset_factory(
        BudgetLineForm, formset=BudgetFormSet, extra=extra, can_delete=True
    )
    initial = [
        {"category": line.category, "description": line.description, "amount": line.amount}
        for line in lines
    ]
    return formset_class(data, initial=None if data is not None else initial, prefix=prefix)


class ActivitiesForm(PortalForm):
    planned_activities = free_text(
        _("What do you plan to do with the grant?"),
        (Application, "planned_activities"),
        rows=5,
        help_text=_("For example: homework help every Tuesday, a language café, a summer camp."),
        required=False,
    )
    reach = free_text(
        _("Who do the activities reach?"),
        (Application, "reach"),
        rows=3,
        help_text=_("For example: children and parents in the district, newly arrived women."),
        required=False,
    )
    people_reached = forms.IntegerField(
        label=_("How many people do you expect to reach in the year?"),
        min_value=0,
        required=False,
    )
    target_groups = forms.ModelMultipleChoiceField(
        label=_("Target groups"),
        queryset=TargetGroup.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("We have ticked the target groups from your profile. Change them if needed."),
    )


def _yes_no(value):
    return value == "true"


class NeedsForm(PortalForm):
    competence_needs = forms.ModelMultipleChoiceField(
        label=_("What would you like to learn more about?"),
        queryset=CompetenceArea.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick all that fit. The courses and your mentor are planned from this."),
    )
    wants_mentor = forms.TypedChoiceField(
        label=_("Do you want a mentor organisation?"),
        choices=YES_NO,
        coerce=_yes_no,
        widget=forms.RadioSelect,
        help_text=_(
            "A mentor is an experienced organisation that meets you at least a few times a year "
            "and helps with what you need."
        ),
    )
    planned_collaborations = free_text(
        _("Who do you plan to work with?"),
        (Application, "planned_collaborations"),
        rows=3,
        help_text=_("For example: the municipality, the library, other organisations."),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        value = self.initial.get("wants_mentor")
        if isinstance(value, bool):
            self.initial["wants_mentor"] = "true" if value else "false"


class AttachmentForm(SubmitOnce, PortalForm):
    kind = forms.ChoiceField(
        label=_("Which document is it?"),
        choices=choices_of(AttachmentKind.choices, _("Choose the kind of document")),
        error_messages={"required": _("Choose which document it is.")},
    )
    file = forms.FileField(label=_("File"), error_messages={"required": _("Choose a file.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = upload_help()


class WithdrawForm(PortalForm):
    confirm = forms.BooleanField(
        label=_("Yes, withdraw our application. We understand this cannot be undone."),
        error_messages={"required": _("Tick the box to confirm that you want to withdraw.")},
    )


# --- after the decision -----------------------------------------------------------------------


class AppealForm(PortalForm):
    grounds = free_text(
        _("Why do you think the decision is wrong?"),
        (Appeal, "grounds"),
        rows=6,
        help_text=_(
            "Write in your own words. Say what you think is wrong, and what you want changed."
        ),
        error_messages={"required": _("Say why you think the decision is wrong.")},
    )


class ChangeNoticeForm(SubmitOnce, PortalForm):
    description = free_text(
        _("What has changed?"),
        (ChangeNotice, "description"),
        rows=6,
        help_text=_(
            "For example: an activity is cancelled, the organisation has new leaders, you will "
            "not use all the money, or the organisation is closing down."
        ),
        error_messages={"required": _("Describe what has changed.")},
    )


class PayoutAccountForm(SubmitOnce, PortalForm):
    number = forms.CharField(
        label=_("Account number"),
        max_length=20,  # eleven digits and the spaces or dots people type between them
        help_text=_(
            "The organisation's own account in a Norwegian bank: 11 digits, for example "
            "1234 56 78903. Spaces and dots are fine."
        ),
        error_messages={"required": _("Write the account number.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_number(self):
        return clean_account_number(self.cleaned_data["number"])


# --- the grant report -------------------------------------------------------------------------


class ResultsForm(PortalForm):
    """One text box per goal of the scheme."""

    def __init__(self, *args, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}"] = free_text(
                _("Goal %(number)d: %(text)s") % {"number": goal.number, "text": goal.text},
                (GoalResult, "text"),
                required=False,
            )

    def goal_results(self) -> dict:
        return {goal.pk: self.cleaned_data[f"goal_{goal.pk}"] for goal in self.goals}


class ReportActivitiesForm(PortalForm):
    activities_held = free_text(
        _("Which activities did you hold?"),
        (GrantReport, "activities_held"),
        rows=5,
        help_text=_("For example: homework help 40 times, two trips, a summer party."),
        required=False,
    )
    people_reached = forms.IntegerField(
        label=_("How many people did you reach?"), min_value=0, required=False
    )
    collaborations_started = free_text(
        _("Which collaborations did you start?"),
        (GrantReport, "collaborations_started"),
        rows=3,
        help_text=_("With the municipality, other organisations, schools and others."),
        required=False,
    )
    money_used_for = free_text(
        _("What did the money go to?"),
        (GrantReport, "money_used_for"),
        rows=3,
        help_text=_("In a few sentences. The numbers go in the accounts in the next step."),
        required=False,
    )


def account_category_choices():
    """The categories grouped by the kind of line they fit (AccountLine.categories_for)."""
    return [
        ("", _("Choose a category")),
        *(
            (
                capfirst(kind_label),
                [(value, capfirst(label)) for value, label in AccountLine.categories_for(kind)],
            )
            for kind, kind_label in LineKind.choices
        ),
    ]


class AccountLineForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("Income or expense"),
        choices=choices_of(LineKind.choices, _("Choose")),
        error_messages={"required": _("Choose income or expense.")},
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=account_category_choices,
        error_messages={"required": _("Choose a category.")},
        help_text=_(
            "Income: the grant from us, your own income, other grants or gifts. Expenses: the "
            "budget's categories."
        ),
    )
    description = forms.CharField(label=_("What"), max_length=200, required=False)
    amount = money(_("Amount (NOK)"), error_messages={"required": _("Write the amount.")})

    def clean(self):
        cleaned = super().clean()
        kind, category = cleaned.get("kind"), cleaned.get("category")
        if kind and category and not AccountLine.category_fits(kind, category):
            self.add_error("category", category_misfit_message(kind))
        return cleaned


class AccountsFormSet(BaseLinesFormSet):
    def typed_lines(self) -> list[AccountLine]:
        """The lines typed so far, unsaved, for ``GrantReport.totals``."""
        return [
            AccountLine(kind=row.get("kind"), category=row.get("category"), amount=row["amount"])
            for row in self.typed()
        ]

    def lines(self):
        """(kind, category, description, amount) for save_accounts."""
        return [
            (
                f.cleaned_data["kind"],
                f.cleaned_data["category"],
                f.cleaned_data["description"],
                f.cleaned_data["amount"],
            )
            for f in self.kept_forms()
        ]


def accounts_formset(data=None, lines=(), prefix="accounts"):
    extra = 2 if lines else 4
    formset_class = forms.formset_factory(
        AccountLineForm, formset=AccountsFormSet, extra=extra, can_delete=True
    )
    initial = [
        {
            "kind": line.kind,
            "category": line.category,
            "description": line.description,
            "amount": line.amount,
        }
        for line in lines
    ]
    return formset_class(data, initial=None if data is not None else initial, prefix=prefix)


class AuditorForm(PortalForm):
    auditor_name = forms.CharField(label=_("The auditor's name"), max_length=200, required=False)
    auditor_number = forms.CharField(
        label=_("The auditor's registration number"),
        max_length=20,
        required=False,
        help_text=_(
            "The auditor's number in the Norwegian Financial Supervisory Authority's register."
        ),
    )
    auditor_statement = forms.FileField(label=_("The auditor's certification"), required=False)

    def __init__(self, *args, has_statement=False, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = upload_help()
        if has_statement:
            help_text = (
                _("You have uploaded one. Choose a new file only to replace it.")
                + " "
                + (help_text)
            )
        self.fields["auditor_statement"].help_text = help_text
