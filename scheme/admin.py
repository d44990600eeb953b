from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["full_name"]
    list_display = ["email", "full_name", "language", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "language"]
    search_fields = ["email", "full_name", "phone"]
    readonly_fields = ["last_login", "date_joined"]
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


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0


class AwardConditionInline(admin.TabularInline):
    model = AwardCondition
    extra = 0


class SchemeYearInline(admin.TabularInline):
    model = SchemeYear
    extra = 0
    fields = ["year", "max_grant", "audit_threshold", "budget_frame", "report_due_date"]
    show_change_link = True


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "administrator", "legal_basis", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["administrator"]
    search_fields = ["name", "short_name", "legal_basis"]
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [SchemeYearInline, GoalInline, AwardConditionInline]


@admin.register(SchemeYear)
class SchemeYearAdmin(admin.ModelAdmin):
    list_display = [
        "scheme",
        "year",
        "max_grant",
        "audit_threshold",
        "budget_frame",
        "mentor_compensation",
        "min_mentor_meetings",
        "report_due_date",
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: readable, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "verb", "target_type", "target_id", "detail"]
    list_filter = ["verb", "target_type"]
    list_select_related = ["actor", "target_type"]
    search_fields = ["detail", "actor__email", "actor__full_name"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "subject", "email_to", "emailed_at", "read_at"]
    list_filter = [
        ("emailed_at", admin.EmptyFieldListFilter),
        ("read_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["recipient"]
    search_fields = ["subject", "recipient__email", "email_to"]
    date_hierarchy = "created_at"


@admin.register(FormSubmission)
class FormSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "token"]
    list_select_related = ["user"]
    search_fields = ["user__email", "token"]
    date_hierarchy = "created_at"
