"""The order forms on the reports page: one per kind of report the user may order, each
offering only the objects the user may report on."""

import datetime
from functools import cached_property

from django import forms
from django.forms import BoundField
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grants.models import Award
from organisations.models import Organisation
from reports.builders import administered_scheme_ids, registered_kinds
from reports.builders.archive import bodies_of, period_parameters
from reports.builders.documents import organisation_parameters
from reports.models import ReportKind
from scheme import forms_common
from scheme.compiled import kept_per_access
from scheme.forms_common import PortalForm
from scheme.models import Scheme, SchemeYear, scheme_years_newest_first, schemes_by_name
from scheme.records.models import CaseFile
from scheme.roles import access_for

# ``look``: the input's Bootstrap classes, as crispy forms gave them (``_BootstrapField``).


class _Select(forms.Select):
    look = "select form-select"


class _DateInput(forms.DateInput):
    look = "dateinput form-control"


class _DateField(forms.DateField):
    widget = _DateInput


class RowsChoiceField(forms_common.RowsChoiceField):
    widget = _Select


class Offered:
    """The schemes and scheme years the user may order reports about, read once for all the
    order forms of a page (few rows, so each kind's rule is asked of each)."""

    def __init__(self, user):
        self.access = access_for(user)

    @cached_property
    def scheme_years(self) -> list:
        years = scheme_years_newest_first()
        return [year for year in years if self.access.may_order_annual_report(year)]

    @cached_property
    def schemes(self) -> list:
        schemes = schemes_by_name()
        return [scheme for scheme in schemes if self.access.may_order_evaluation(scheme)]


# What the forms that choose among the user's own objects offer (read only when shown).


@kept_per_access
def _organisations(user):
    return Organisation.objects.visible_to(user).participants().only("id", "name")


@kept_per_access
def _awards(user):
    return (
        Award.objects.visible_to(user)
        .select_related("application__organisation", "application__round")
        .only("application__organisation__name", "application__round__title")
    )


@kept_per_access
def _case_files(user):
    return CaseFile.objects.kept_by(user)


class _BootstrapField(BoundField):
    """The input with the Bootstrap classes crispy forms gives it: the reports page writes
    its many small forms itself (``reports/report_list.html``), several times faster."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        look = getattr(widget or self.field.widget, "look", "form-control")
        attrs["class"] = f"{look} is-invalid" if self.errors else look
        return attrs


class OrderForm(PortalForm):
    """The order form of one kind of report; its fields are the report's parameters. Each kind
    says in ``offered_to(access)`` whether the user may order it at all (``scheme.roles``)."""

    kind = None
    bound_field_class = _BootstrapField
    submit_label = _("Order")
    # (text, url) when the report is ordered from the page of the object it is about, because
    # a list of every such object would be too long to choose from: the reports page says where.
    elsewhere = None

    def __init__(self, user, *args, offered=None, **kwargs):
        self.user = user
        self.offered = offered or Offered(user)
        super().__init__(*args, **kwargs)

    @property
    def label(self):
        return ReportKind(self.kind).label

    def get_initial_for_field(self, field, field_name):
        """The only choice there is (an evaluator's one scheme), chosen already."""
        initial = super().get_initial_for_field(field, field_name)
        if initial is None and isinstance(field, RowsChoiceField) and len(field.rows) == 1:
            return field.rows[0].pk
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
    return _DateField(label=_("Figures as of"), required=False, help_text=empty_means)


class AnnualForm(OrderForm):
    kind = ReportKind.ANNUAL
    scheme_year = RowsChoiceField(label=_("Scheme year"), queryset=SchemeYear.objects.none())
    as_of = _as_of(_("Empty: the end of the year, or today if that is earlier."))

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["scheme_year"].offer(self.offered.scheme_years)

    @classmethod
    def offered_to(cls, access) -> bool:
        return access.may_order_annual_report()


class EvaluationForm(OrderForm):
    kind = ReportKind.EVALUATION
    scheme = RowsChoiceField(label=_("Scheme"), queryset=Scheme.objects.none())
    start = _DateField(
        label=_("From"),
        required=False,
        help_text=_(
            "Empty: the whole period, from the start of the scheme's first year, with every "
            "figure in total and for each year."
        ),
    )
    end = _DateField(
        label=_("To"),
        required=False,
        help_text=_("Empty: the whole period, to the end of the scheme's last year."),
    )
    as_of = _as_of(_("Empty: the end of the period, or today if that is earlier."))

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["scheme"].offer(self.offered.schemes)

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
    organisation = RowsChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["organisation"].queryset = _organisations(user)
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
    award = RowsChoiceField(label=_("Award"), queryset=Award.objects.none())

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["award"].queryset = _awards(user)
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
    case_file = RowsChoiceField(label=_("Case"), queryset=CaseFile.objects.none())

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["case_file"].queryset = _case_files(user)
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
    start = _DateField(label=_("Closed from"))
    end = _DateField(label=_("Closed until"), help_text=_("Both days are included."))

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
    offered = Offered(user)
    return [
        form(user, data, prefix=form.kind, offered=offered)
        for form in FORMS
        if form.kind in kinds and form.offered_to(access)
    ]
