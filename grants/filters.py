"""The caseworker's list of applications: filters and sorting."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import (
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    ChangeNotice,
    ChangeNoticeStatus,
    Eligibility,
    PayoutAccount,
    ReportStatus,
)
from organisations.geography import County
from organisations.models import TargetGroup
from scheme.compiled import kept
from scheme.forms_common import KeptFilterSet, StableOrderingFilter

OVERDUE = "overdue"
REPORT_CHOICES = [*ReportStatus.choices, (OVERDUE, _("overdue"))]


def account_waiting():
    """The current, unconfirmed account of the application's organisation (a subquery)."""
    return PayoutAccount.objects.current().filter(
        organisation_id=OuterRef("organisation_id"), confirmed_at__isnull=True
    )


class ApplicationOrderingFilter(StableOrderingFilter):
    nullable = {"submitted_at", "amount", "total_score"}


@kept
def target_groups():
    return TargetGroup.objects.all()


class ApplicationFilter(KeptFilterSet):
    q = django_filters.CharFilter(
        label=_("Organisation name"), field_name="organisation__name", lookup_expr="icontains"
    )
    # The calls and target groups are offered as rows read already (``__init__``).
    round = django_filters.ChoiceFilter(label=_("Call"), choices=(), empty_label=_("All calls"))
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=ApplicationStatus.choices,
        empty_label=_("All sent"),
    )
    county = django_filters.ChoiceFilter(
        label=_("County"), field_name="organisation__county", choices=County.choices
    )
    target_group = django_filters.ChoiceFilter(
        label=_("Target group"), field_name="target_groups", choices=()
    )
    amount_min = django_filters.NumberFilter(
        label=_("Amount from"), field_name="amount", lookup_expr="gte", min_value=0
    )
    amount_max = django_filters.NumberFilter(
        label=_("Amount to"), field_name="amount", lookup_expr="lte", min_value=0
    )
    eligibility = django_filters.ChoiceFilter(label=_("Eligibility"), choices=Eligibility.choices)
    report = django_filters.ChoiceFilter(
        label=_("Grant report"), choices=REPORT_CHOICES, method="filter_report"
    )
    appeal = django_filters.ChoiceFilter(
        label=_("Appeal"),
        choices=[("1", _("an appeal to handle"))],
        method="filter_appeal",
    )
    change_notice = django_filters.ChoiceFilter(
        label=_("Change notice"),
        choices=[("1", _("a change notice to handle"))],
        method="filter_change_notice",
    )
    payout_account = django_filters.ChoiceFilter(
        label=_("Bank account"),
        choices=[("waiting", _("a new bank account to confirm"))],
        method="filter_payout_account",
    )
    order = ApplicationOrderingFilter(
        label=_("Sort by"),
        fields=(
            ("submitted_at", "submitted"),
            ("amount", "amount"),
            ("organisation__name", "name"),
            ("total_score", "score"),
        ),
        field_labels={
            "submitted_at": _("date sent"),
            "amount": _("amount"),
            "organisation__name": _("organisation"),
            "total_score": _("total score"),
        },
    )

    class Meta:
        model = Application
        fields = []

    def __init__(self, *args, rounds=(), groups=(), today=None, **kwargs):
        """``rounds`` and ``groups``: the calls (with their scheme years) and the target
        groups to choose among."""
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()  # when a report is overdue
        self.filters["round"].extra["choices"] = [
            (round_.pk, f"{round_.title} ({round_.scheme_year.year})") for round_ in rounds
        ]
        self.filters["target_group"].extra["choices"] = [(group.pk, group.name) for group in groups]
        # Bootstrap classes on the widgets, so the template renders plain field groups.
        for field in self.form.fields.values():
            is_select = hasattr(field, "choices")
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"

    def filter_by(self, queryset, values):
        queryset = super().filter_by(queryset, values)
        # Drafts are the organisation's own until sent: left out unless asked for.
        if "status" not in dict(values):
            queryset = queryset.exclude(status=ApplicationStatus.DRAFT)
        return queryset

    def filter_report(self, queryset, name, value):
        if value == OVERDUE:
            return queryset.filter(
                award__report__status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED],
                award__report__due_on__lt=self.today,
            )
        return queryset.filter(award__report__status=value)

    def filter_appeal(self, queryset, name, value):
        lodged = Appeal.objects.filter(
            decision__application=OuterRef("pk"), status=AppealStatus.LODGED
        )
        return queryset.filter(Exists(lodged))

    def filter_change_notice(self, queryset, name, value):
        open_notices = ChangeNotice.objects.filter(
            award__application=OuterRef("pk"), status=ChangeNoticeStatus.OPEN
        )
        return queryset.filter(Exists(open_notices))

    def filter_payout_account(self, queryset, name, value):
        """Awards to organisations whose current bank account waits for confirmation."""
        return queryset.filter(award__isnull=False).filter(Exists(account_waiting()))

    @property
    def active(self) -> bool:
        """Whether any filter other than the sort order is in use."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return any(value not in (None, "", []) for key, value in data.items() if key != "order")
