from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organisations import services
from organisations.models import (
    Activity,
    Branch,
    Collaboration,
    CompetenceArea,
    FollowUp,
    JoinRequest,
    Language,
    Membership,
    MembershipInvitation,
    Organisation,
    PreviousApplication,
    RegistrationRequest,
    TargetGroup,
)
from scheme.admin import HTTPS_URLS, ReadOnlyAdmin, service_action


class MembershipInline(ReadOnlyAdmin, admin.TabularInline):
    model = Membership
    extra = 0


class BranchInline(ReadOnlyAdmin, admin.TabularInline):
    model = Branch
    extra = 0


class ActivityInline(ReadOnlyAdmin, admin.TabularInline):
    model = Activity
    extra = 0


class CollaborationInline(ReadOnlyAdmin, admin.TabularInline):
    model = Collaboration
    fk_name = "organisation"
    extra = 0


class PreviousApplicationInline(ReadOnlyAdmin, admin.TabularInline):
    model = PreviousApplication
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "org_number_display",
        "kind",
        "municipality",
        "county",
        "founded",
        "in_voluntary_register",
        "is_demo",
    ]
    list_filter = [
        "kind",
        "county",
        "is_demo",
        "in_voluntary_register",
        "member_based",
        "target_groups",
    ]
    search_fields = ["name", "org_number", "municipality", "email"]
    date_hierarchy = "founded"
    formfield_overrides = HTTPS_URLS
    inlines = [
        MembershipInline,
        BranchInline,
        ActivityInline,
        CollaborationInline,
        PreviousApplicationInline,
    ]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "title", "created_at"]
    list_filter = ["role", "organisation__kind"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]


@admin.register(MembershipInvitation)
class MembershipInvitationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "status", "invited_by", "sent_at"]
    list_filter = ["status", "role", "organisation__kind"]
    list_select_related = ["organisation", "invited_by"]
    search_fields = ["email", "full_name", "organisation__name"]
    date_hierarchy = "sent_at"
    actions = [
        service_action(services.resend_invitation, _("Send the invitation again"), _("sent")),
        service_action(services.withdraw_invitation, _("Withdraw the invitation"), _("withdrawn")),
    ]


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Caseworkers decide on the portal's pages; the action approves through the same
    service, which records the decision and tells the person (a rejection needs a reason,
    given on the page)."""

    list_display = ["name", "org_number", "kind", "status", "requested_by", "created_at"]
    list_filter = ["status", "kind", "is_demo"]
    formfield_overrides = HTTPS_URLS
    list_select_related = ["requested_by"]
    search_fields = ["name", "org_number", "requested_by__email", "requested_by__full_name"]
    date_hierarchy = "created_at"
    actions = [
        service_action(services.approve_registration, _("Approve the registration"), _("approved"))
    ]


@admin.register(JoinRequest)
class JoinRequestAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """For looking up; the organisation's leaders answer on its people page."""

    list_display = ["user", "organisation", "status", "role", "created_at", "decided_at"]
    list_filter = ["status", "organisation__kind"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    date_hierarchy = "created_at"


class PartAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_select_related = ["organisation"]
    search_fields = ["organisation__name"]


@admin.register(Branch)
class BranchAdmin(PartAdmin):
    list_display = ["name", "organisation", "municipality", "county", "founded"]
    list_filter = ["county"]
    search_fields = ["name", "municipality", "organisation__name"]


@admin.register(Activity)
class ActivityAdmin(PartAdmin):
    list_display = ["name", "organisation", "frequency", "typical_participants"]
    list_filter = ["frequency"]
    search_fields = ["name", "organisation__name"]


@admin.register(Collaboration)
class CollaborationAdmin(PartAdmin):
    list_display = ["partner_name", "partner_kind", "organisation", "status", "since"]
    list_filter = ["partner_kind", "status"]
    search_fields = ["partner_name", "organisation__name"]
    raw_id_fields = ["partner"]


@admin.register(FollowUp)
class FollowUpAdmin(PartAdmin):
    list_display = ["organisation", "scheme", "answered_at"]
    raw_id_fields = ["answered_by"]


@admin.register(PreviousApplication)
class PreviousApplicationAdmin(PartAdmin):
    list_display = ["organisation", "year", "grantor", "grantor_name", "amount", "outcome"]
    list_filter = ["grantor", "outcome", "year"]
    search_fields = ["grantor_name", "organisation__name"]


@admin.register(TargetGroup, Language, CompetenceArea)
class NamedChoiceAdmin(admin.ModelAdmin):
    """Reference data: editable, no service keeps a rule about it."""

    list_display = ["code", "name_nb", "name_en"]
    search_fields = ["code", "name_nb", "name_en"]
