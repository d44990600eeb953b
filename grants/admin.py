from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from grants import models, services
from scheme.admin import ReadOnlyAdmin, service_action


class InvitationInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.Invitation
    extra = 0


@admin.register(models.Round)
class RoundAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "scheme_year", "kind", "opens_on", "closes_on"]
    list_filter = ["kind", "scheme_year"]
    list_select_related = ["scheme_year__scheme"]
    search_fields = ["title"]
    inlines = [InvitationInline]


@admin.register(models.Invitation)
class InvitationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["round", "organisation", "invited_at"]
    list_select_related = ["round", "organisation"]
    search_fields = ["organisation__name", "round__title"]


class BudgetLineInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.BudgetLine
    extra = 0


class AttachmentInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.Attachment
    extra = 0
    fields = ["kind", "original_name", "size", "uploaded_at"]


@admin.register(models.Application)
class ApplicationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["organisation", "round", "status", "amount", "eligibility", "submitted_at"]
    list_filter = ["status", "eligibility", "round", "organisation__county"]
    list_select_related = ["organisation", "round"]
    search_fields = ["organisation__name", "organisation__org_number"]
    date_hierarchy = "submitted_at"
    inlines = [BudgetLineInline, AttachmentInline]


@admin.register(models.BudgetLine)
class BudgetLineAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["application", "category", "description", "amount"]
    list_filter = ["category"]
    list_select_related = ["application__organisation", "application__round"]
    search_fields = ["application__organisation__name", "description"]


@admin.register(models.Attachment)
class AttachmentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["original_name", "kind", "application", "size", "uploaded_at"]
    list_filter = ["kind"]
    list_select_related = ["application__organisation", "application__round"]
    search_fields = ["original_name", "application__organisation__name"]


@admin.register(models.ImpartialityDeclaration)
class ImpartialityDeclarationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["application", "caseworker", "has_conflict", "declared_at"]
    list_filter = ["has_conflict"]
    list_select_related = ["application__organisation", "application__round", "caseworker"]
    search_fields = ["application__organisation__name", "caseworker__email"]


class ScoreInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.Score
    extra = 0


@admin.register(models.Assessment)
class AssessmentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["application", "assessed_by", "proposed", "rank", "proposed_amount"]
    list_filter = ["proposed", "purpose_confirmed"]
    list_select_related = ["application__organisation", "application__round", "assessed_by"]
    search_fields = ["application__organisation__name"]
    inlines = [ScoreInline]


@admin.register(models.Score)
class ScoreAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["assessment", "criterion", "score"]
    list_filter = ["criterion", "score"]
    list_select_related = ["assessment__application__organisation"]
    search_fields = ["assessment__application__organisation__name"]


@admin.register(models.Decision)
class DecisionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "application", "kind", "decided_by", "approved_by", "decided_at", "appeal_deadline"
    ]  # fmt: skip
    list_filter = ["kind"]
    list_select_related = [
        "application__organisation", "application__round", "decided_by", "approved_by"
    ]  # fmt: skip
    search_fields = ["application__organisation__name", "reasons"]
    date_hierarchy = "decided_at"


class InstalmentInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.Instalment
    extra = 0


class DisbursementInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.Disbursement
    extra = 0


@admin.register(models.DecisionProposal)
class DecisionProposalAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Proposed decisions and who proposed and handled them (made and approved through the
    caseworker's pages only)."""

    list_display = ["application", "kind", "amount", "status", "proposed_by", "handled_by"]
    list_filter = ["status", "kind"]
    list_select_related = [
        "application__organisation", "application__round", "proposed_by", "handled_by"
    ]  # fmt: skip
    search_fields = ["application__organisation__name", "reasons", "comment"]
    date_hierarchy = "proposed_at"


@admin.register(models.PaymentAttestation)
class PaymentAttestationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Attested payments and who attested and approved or refused them."""

    list_display = ["award", "amount", "pay_on", "status", "attested_by", "handled_by"]
    list_filter = ["status"]
    list_select_related = [
        "award__application__organisation", "award__application__round", "attested_by",
        "handled_by",
    ]  # fmt: skip
    search_fields = ["award__application__organisation__name", "comment"]
    date_hierarchy = "attested_at"


@admin.register(models.Award)
class AwardAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["application", "amount", "accepted_at"]
    list_filter = ["application__round__scheme_year"]
    list_select_related = ["application__organisation", "application__round"]
    search_fields = ["application__organisation__name"]
    inlines = [InstalmentInline, DisbursementInline]


@admin.register(models.Instalment)
class InstalmentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["award", "number", "amount", "due_on", "after_report_approved"]
    list_filter = ["after_report_approved"]
    list_select_related = ["award__application__organisation", "award__application__round"]
    search_fields = ["award__application__organisation__name"]


@admin.register(models.Disbursement)
class DisbursementAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["award", "paid_on", "amount", "account", "recorded_by"]
    list_select_related = [
        "award__application__organisation",
        "award__application__round",
        "account__organisation",
    ]
    search_fields = ["award__application__organisation__name"]
    date_hierarchy = "paid_on"


@admin.register(models.PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Masked; accounts are given on the grants pages and confirmed there or by the action,
    both through the service, which keeps the rules (a leader gives, another person confirms,
    everyone is told)."""

    list_display = ["organisation", "masked", "entered_at", "confirmed_at", "superseded_at"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "organisation__org_number"]
    fields = [
        "organisation",
        "masked",
        "entered_by",
        "entered_at",
        "confirmed_by",
        "confirmed_at",
        "superseded_at",
    ]
    readonly_fields = fields
    actions = [
        service_action(
            services.confirm_payout_account, _("Confirm the payout account"), _("confirmed")
        )
    ]


class GoalResultInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.GoalResult
    extra = 0


class AccountLineInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.AccountLine
    extra = 0


@admin.register(models.GrantReport)
class GrantReportAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["award", "due_on", "status", "submitted_at", "approved_at"]
    list_filter = ["status", "due_on"]
    list_select_related = ["award__application__organisation", "award__application__round"]
    search_fields = ["award__application__organisation__name"]
    inlines = [GoalResultInline, AccountLineInline]


@admin.register(models.GoalResult)
class GoalResultAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["report", "goal"]
    list_select_related = ["report__award__application__organisation", "goal"]
    search_fields = ["report__award__application__organisation__name", "text"]


@admin.register(models.AccountLine)
class AccountLineAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["report", "kind", "category", "description", "amount"]
    list_filter = ["kind", "category"]
    list_select_related = ["report__award__application__organisation"]
    search_fields = ["report__award__application__organisation__name", "description"]


class RepaymentInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.Repayment
    extra = 0


@admin.register(models.Clawback)
class ClawbackAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["award", "amount", "due_on", "status"]
    list_filter = ["status"]
    list_select_related = ["award__application__organisation", "award__application__round"]
    search_fields = ["award__application__organisation__name"]
    inlines = [RepaymentInline]


@admin.register(models.Repayment)
class RepaymentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["clawback", "paid_on", "amount", "recorded_by"]
    list_select_related = ["clawback__award__application__organisation"]
    search_fields = ["clawback__award__application__organisation__name"]


@admin.register(models.Appeal)
class AppealAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["decision", "status", "lodged_at", "handled_at"]
    list_filter = ["status"]
    list_select_related = ["decision__application__organisation", "decision__application__round"]
    search_fields = ["decision__application__organisation__name", "grounds"]


@admin.register(models.ChangeNotice)
class ChangeNoticeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["award", "status", "sent_at", "handled_at"]
    list_filter = ["status"]
    list_select_related = ["award__application__organisation", "award__application__round"]
    search_fields = ["award__application__organisation__name", "description"]


@admin.register(models.ReportReminder)
class ReportReminderAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["report", "kind", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["report__award__application__organisation"]
    search_fields = ["report__award__application__organisation__name"]
