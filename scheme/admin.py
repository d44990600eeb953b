"""Django admin, for IT and operations: every row readable; domain rows changed only through
the services.

A domain model (an application, an award, a payment, a pairing, a registration...) is
``ReadOnlyAdmin`` here: edited as a raw row it would pass every rule the services keep (the
budget frame, the yearly maximum, the states). A change an admin needs is an admin action
made by ``service_action``, which calls the service with its refusals. Reference data (target
groups, languages, competence areas), the scheme's own texts (goals, conditions) and people's
accounts stay editable: no service keeps a rule about them.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from scheme import services
from scheme.models import (
    AwardCondition,
    Event,
    FormSubmission,
    Goal,
    Notification,
    Scheme,
    SchemeYear,
    User,
)
from scheme.personal_data import deactivate_person, reactivate_person

# The admin's forms (also those it shows read only) take addresses as Django 6 will: https.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdmin:
    """Mixed into the ModelAdmin or inline of a domain model: viewing only, never adding,
    changing or deleting (``ReadOnlyAdmin, admin.ModelAdmin``)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def service_action(service, description, done):
    """An admin action that calls ``service(admin, row)`` for each selected row, as a page of
    the portal would: a refusal (ValidationError or PermissionDenied) is shown as an error and
    leaves that row as it was."""

    def action(modeladmin, request, queryset):
        for row in queryset:
            try:
                service(request.user, row)
            except ValidationError as refusal:
                modeladmin.message_user(
                    request, f"{row}: {' '.join(refusal.messages)}", messages.ERROR
                )
            except PermissionDenied:
                refused = _("you may not do this.")
                modeladmin.message_user(request, f"{row}: {refused}", messages.ERROR)
            else:
                modeladmin.message_user(request, f"{row}: {done}", messages.SUCCESS)

    action.__name__ = service.__name__  # the action's key in the admin's form
    return admin.action(description=description)(action)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["full_name"]
    list_display = ["email", "full_name", "language", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "language"]
    search_fields = ["email", "full_name", "phone"]
    # Deactivating tells the organisations and keeps the record: actions, not the checkbox.
    readonly_fields = ["is_active", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "phone", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "full_name", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups"]
    actions = [
        service_action(deactivate_person, _("Deactivate the account"), _("deactivated")),
        service_action(reactivate_person, _("Open the account again"), _("opened again")),
    ]


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0


class AwardConditionInline(admin.TabularInline):
    model = AwardCondition
    extra = 0


class SchemeYearInline(ReadOnlyAdmin, admin.TabularInline):
    """A year's rules are changed on the portal's page for them, where the service keeps the
    budget frame above what is already awarded."""

    model = SchemeYear
    extra = 0
    fields = ["year", "max_grant", "audit_threshold", "budget_frame", "report_due_date"]
    show_change_link = True


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "short_name",
        "administrator",
        "legal_basis",
        "is_active",
        "awards_need_approval",
        "rejections_need_approval",
        "clawbacks_need_approval",
    ]
    list_filter = ["is_active"]
    list_select_related = ["administrator"]
    search_fields = ["name", "short_name", "legal_basis"]
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [SchemeYearInline, GoalInline, AwardConditionInline]
    actions = [
        service_action(
            services.open_next_year, _("Open the next year, with the same rules"), _("opened")
        )
    ]


@admin.register(SchemeYear)
class SchemeYearAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "scheme",
        "year",
        "max_grant",
        "audit_threshold",
        "budget_frame",
        "mentor_compensation",
        "min_mentor_meetings",
        "report_due_date",
        "staff_cost",
    ]
    list_filter = ["scheme", "year"]
    list_select_related = ["scheme"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["scheme", "number", "text_nb"]
    list_filter = ["scheme"]
    search_fields = ["text_nb", "text_en"]


@admin.register(AwardCondition)
class AwardConditionAdmin(admin.ModelAdmin):
    list_display = ["scheme", "position", "code", "text_nb"]
    list_filter = ["scheme"]
    search_fields = ["code", "text_nb", "text_en"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "target_type", "target_id", "detail"]
    list_filter = ["verb", "target_type"]
    list_select_related = ["actor", "target_type"]
    search_fields = ["detail", "actor__email", "actor__full_name"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "subject", "email_to", "emailed_at", "read_at"]
    list_filter = [
        ("emailed_at", admin.EmptyFieldListFilter),
        ("read_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["recipient"]
    search_fields = ["subject", "recipient__email", "email_to"]
    date_hierarchy = "created_at"


@admin.register(FormSubmission)
class FormSubmissionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "user", "token"]
    list_select_related = ["user"]
    search_fields = ["user__email", "token"]
    date_hierarchy = "created_at"
