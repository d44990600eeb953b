"""The order forms on the reports page: one per kind of report the user may order, each
offering only the objects the user may report on."""

import datetime

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grants.models import Award
from organisations.models import Organisation
from reports.builders import administered_scheme_ids, registered_kinds
from reports.builders.archive import bodies_of, period_parameters
from reports.builders.documents import organisation_parameters
from reports.models import ReportKind
from scheme.forms_common import PortalForm
from scheme.models import Scheme, SchemeYear
from scheme.records.models import CaseFile
from scheme.roles import access_for


class OrderForm(PortalForm):
    """The order form of one kind of report; its fields are the report's parameters. Each kind
    says in ``offered_to(access)`` whether the user may order it at all (``scheme.roles``)."""

    kind = None
    submit_label = _("Order")
    # (text, url) when the report is ordered from the page of the object it is about, because
    # a list of every such object would be too long to choose from: the reports page says where.
    elsewhere = None

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    @property
    def label(self):
        return ReportKind(self.kind).label

    def get_initial_for_field(self, field, field_name):
        """The only choice there is (an evaluator's one scheme), chosen already."""
        initial = super().get_initial_for_field(field, field_name)
        if initial is None and isinstance(field, forms.ModelChoiceField):
            choices = list(field.queryset[:2])
            if len(choices) == 1:
                return choices[0].pk
        return initial

    def parameters(self) -> dict:
        """The objects chosen, by id, and the dates given, as ISO dates (left out when empty)."""
        return {
            name: value.isoformat() if isinstance(value, datetime.date) else value.pk
            for name, value in self.cleaned_data.items()
            if value is not None
        }


def _as_of(empty_means):
    """The date the report's figures are read as of (``reports.figures.definitions``)."""
    return forms.DateField(label=_("Figures as of"), required=False, help_text=empty_means)


def _those_allowed(queryset, rule):
    """The rows of ``queryset`` the report's rule allows the user to order it about (schemes
    and their years: few rows, so the rule is asked of each)."""
    return queryset.filter(pk__in=[row.pk for row in queryset if rule(row)])


class AnnualForm(OrderForm):
    kind = ReportKind.ANNUAL
    scheme_year = forms.ModelChoiceField(label=_("Scheme year"), queryset=SchemeYear.objects.none())
    as_of = _as_of(_("Empty: the end of the year, or today if that is earlier."))

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        years = SchemeYear.objects.current_first().select_related("scheme")
        rule = access_for(user).may_order_annual_report
        self.fields["scheme_year"].queryset = _those_allowed(years, rule)

    @classmethod
    def offered_to(cls, access) -> bool:
        return access.may_order_annual_report()


class EvaluationForm(OrderForm):
    kind = ReportKind.EVALUATION
    scheme = forms.ModelChoiceField(label=_("Scheme"), queryset=Scheme.objects.none())
    start = forms.DateField(
        label=_("From"),
        required=False,
        help_text=_(
            "Empty: the whole period, from the start of the scheme's first year, with every "
            "figure in total and for each year."
        ),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        help_text=_("Empty: the whole period, to the end of the scheme's last year."),
    )
    as_of = _as_of(_("Empty: the end of the period, or today if that is earlier."))

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        rule = access_for(user).may_order_evaluation
        self.fields["scheme"].queryset = _those_allowed(Scheme.objects.order_by("name"), rule)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("The period ends before it starts."))
        return cleaned

    @classmethod
    def offered_to(cls, access) -> bool:
        return access.may_order_evaluation()


class EvaluationCsvForm(EvaluationForm):
    """The evaluation summary's figures as CSV files: the same period, the same rule."""

    kind = ReportKind.EVALUATION_CSV


class OrganisationReportForm(OrderForm):
    kind = ReportKind.ORGANISATION
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.visible_to(user).participants().only("id", "name")
        )
        if access_for(user).is_caseworker:
            self.elsewhere = (
                _("Find the organisation in the register and order the report on its page."),
                reverse("organisations:list"),
            )

    def parameters(self) -> dict:
        return organisation_parameters(self.user, self.cleaned_data["organisation"])

    @classmethod
    def offered_to(cls, access) -> bool:
        return access.may_order_organisation_report()


class AwardLetterForm(OrderForm):
    kind = ReportKind.AWARD_LETTER
    award = forms.ModelChoiceField(label=_("Award"), queryset=Award.objects.none())

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["award"].queryset = Award.objects.visible_to(user).select_related(
            "application__organisation", "application__round"
        )
        if access_for(user).is_caseworker:
            self.elsewhere = (
                _("Open the award from the list of applications and order the letter there."),
                reverse("grants:review") + "?status=awarded",
            )

    @classmethod
    def offered_to(cls, access) -> bool:
        return access.may_order_award_letter()


class ArchiveCaseForm(OrderForm):
    """One case's archive package: ordered from the case's page (the button sends the case)."""

    kind = ReportKind.ARCHIVE_CASE
    case_file = forms.ModelChoiceField(label=_("Case"), queryset=CaseFile.objects.none())

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["case_file"].queryset = CaseFile.objects.kept_by(user)
        self.elsewhere = (
            _("Find the case in the journal and order its archive package on the case's page."),
            reverse("records:journal"),
        )

    @classmethod
    def offered_to(cls, access) -> bool:
        return access.may_order_archive()


class ArchivePeriodForm(OrderForm):
    """The archive package of every case closed in a period, of the bodies the user works for."""

    kind = ReportKind.ARCHIVE_PERIOD
    start = forms.DateField(label=_("Closed from"))
    end = forms.DateField(label=_("Closed until"), help_text=_("Both days are included."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("The period ends before it starts."))
        if not bodies_of(self.user):
            raise forms.ValidationError(_("You do not work for an administering body."))
        return cleaned

    def parameters(self) -> dict:
        return period_parameters(self.user, self.cleaned_data["start"], self.cleaned_data["end"])

    @classmethod
    def offered_to(cls, access) -> bool:
        return access.may_order_archive()


class ExportForm(OrderForm):
    """A CSV export of the schemes the user's body runs."""

    def parameters(self) -> dict:
        return {"schemes": administered_scheme_ids(self.user)}

    @classmethod
    def offered_to(cls, access) -> bool:
        return access.may_export()


def _export(kind):
    return type(f"{kind}Form", (ExportForm,), {"kind": kind})


FORMS = [
    AnnualForm,
    EvaluationForm,
    EvaluationCsvForm,
    OrganisationReportForm,
    AwardLetterForm,
    ArchiveCaseForm,
    ArchivePeriodForm,
    *(_export(kind) for kind in (
        ReportKind.CSV_APPLICATIONS, ReportKind.CSV_AWARDS, ReportKind.CSV_ACCOUNTS,
        ReportKind.CSV_MEETINGS, ReportKind.CSV_ATTENDANCE,
    )),
]  # fmt: skip


def order_forms_for(user, data=None) -> list[OrderForm]:
    """The forms of the reports this user may order (only kinds with a builder)."""
    access = access_for(user)
    kinds = registered_kinds()
    return [
        form(user, data, prefix=form.kind)
        for form in FORMS
        if form.kind in kinds and form.offered_to(access)
    ]
