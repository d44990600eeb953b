from django.contrib import admin
from django.db import models

from organisations.models import (
    Activity,
    Branch,
    Collaboration,
    CompetenceArea,
    JoinRequest,
    Language,
    Membership,
    MembershipInvitation,
    Organisation,
    PreviousApplication,
    RegistrationRequest,
    TargetGroup,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 0


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0


class CollaborationInline(admin.TabularInline):
    model = Collaboration
    extra = 0


class PreviousApplicationInline(admin.TabularInline):
    model = PreviousApplication
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
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
    filter_horizontal = ["target_groups", "competence_needs", "languages"]
    date_hierarchy = "founded"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [
        MembershipInline,
        BranchInline,
        ActivityInline,
        CollaborationInline,
        PreviousApplicationInline,
    ]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "title", "created_at"]
    list_filter = ["role", "organisation__kind"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(MembershipInvitation)
class MembershipInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "status", "invited_by", "sent_at"]
    list_filter = ["status", "role", "organisation__kind"]
    list_select_related = ["organisation", "invited_by"]
    search_fields = ["email", "full_name", "organisation__name"]
    autocomplete_fields = ["organisation", "invited_by"]
    date_hierarchy = "sent_at"


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(admin.ModelAdmin):
    """For looking up; caseworkers decide on the portal's pages, where the decision is
    recorded and the person told."""

    list_display = ["name", "org_number", "kind", "status", "requested_by", "created_at"]
    list_filter = ["status", "kind", "is_demo"]
    list_select_related = ["requested_by"]
    search_fields = ["name", "org_number", "requested_by__email", "requested_by__full_name"]
    autocomplete_fields = ["requested_by", "decided_by", "organisation"]
    filter_horizontal = ["target_groups"]
    date_hierarchy = "created_at"
    readonly_fields = ["status", "reason", "decided_by", "decided_at", "organisation"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """For looking up; the organisation's leaders answer on its people page."""

    list_display = ["user", "organisation", "status", "role", "created_at", "decided_at"]
    list_filter = ["status", "organisation__kind"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation", "decided_by"]
    date_hierarchy = "created_at"
    readonly_fields = ["status", "role", "decided_by", "decided_at"]


class PartAdmin(admin.ModelAdmin):
    list_select_related = ["organisation"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]


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


@admin.register(PreviousApplication)
class PreviousApplicationAdmin(PartAdmin):
    list_display = ["organisation", "year", "grantor", "grantor_name", "amount", "outcome"]
    list_filter = ["grantor", "outcome", "year"]
    search_fields = ["grantor_name", "organisation__name"]


@admin.register(TargetGroup, Language, CompetenceArea)
class NamedChoiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nb", "name_en"]
    search_fields = ["code", "name_nb", "name_en"]
