from django.contrib import admin

from courses.models import (
    AnnualPlan,
    Answer,
    CalendarFeed,
    Event,
    EventReminder,
    FeedbackForm,
    HandIn,
    Material,
    PlanComment,
    PlannedItem,
    PracticalTask,
    ProgrammeItem,
    Question,
    Registration,
    Response,
)
from scheme.admin import HTTPS_URLS, ReadOnlyAdmin


class PlannedItemInline(ReadOnlyAdmin, admin.TabularInline):
    model = PlannedItem
    extra = 0


@admin.register(AnnualPlan)
class AnnualPlanAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["scheme_year", "shared_at", "updated_at"]
    list_filter = ["scheme_year__scheme", "scheme_year__year"]
    search_fields = ["introduction", "scheme_year__scheme__name"]
    list_select_related = ["scheme_year__scheme"]
    inlines = [PlannedItemInline]


@admin.register(PlannedItem)
class PlannedItemAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["topic", "kind", "month", "plan"]
    list_filter = ["kind", "plan__scheme_year__year", "competence_areas"]
    search_fields = ["topic"]
    list_select_related = ["plan__scheme_year__scheme"]


@admin.register(PlanComment)
class PlanCommentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["plan", "organisation", "author", "created_at"]
    list_filter = ["plan__scheme_year__year", "organisation__kind"]
    search_fields = ["text", "organisation__name", "author__full_name"]
    list_select_related = ["plan__scheme_year__scheme", "organisation", "author"]
    date_hierarchy = "created_at"


class ProgrammeItemInline(ReadOnlyAdmin, admin.TabularInline):
    model = ProgrammeItem
    extra = 0


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "audience",
        "starts_at",
        "is_digital",
        "place",
        "registration_deadline",
        "scheme_year",
        "cancelled_at",
    ]
    list_filter = ["kind", "audience", "is_digital", "scheme_year__year", "scheme_year__scheme"]
    search_fields = ["title", "description", "place", "provider__name", "provider_name"]
    list_select_related = ["scheme_year__scheme"]
    date_hierarchy = "starts_at"
    formfield_overrides = HTTPS_URLS
    inlines = [ProgrammeItemInline]


@admin.register(ProgrammeItem)
class ProgrammeItemAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "starts_at", "event", "presenter", "presenter_name"]
    list_filter = ["event__kind", "event__scheme_year__year"]
    search_fields = ["title", "event__title", "presenter__name", "presenter_name"]
    list_select_related = ["event", "presenter"]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "person_name",
        "organisation",
        "event",
        "registered_at",
        "cancelled_at",
        "waiting",
        "attended",
    ]
    list_filter = [
        "waiting",
        "attended",
        "event__kind",
        "event__scheme_year__year",
        "organisation__kind",
    ]
    search_fields = ["person_name", "organisation__name", "event__title"]
    list_select_related = ["organisation", "event"]
    date_hierarchy = "registered_at"


@admin.register(Material)
class MaterialAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "original_name", "event", "uploaded_by", "uploaded_at"]
    list_filter = ["event__kind", "event__scheme_year__year"]
    search_fields = ["title", "original_name", "event__title"]
    list_select_related = ["event", "uploaded_by"]


class HandInInline(ReadOnlyAdmin, admin.TabularInline):
    model = HandIn
    extra = 0


@admin.register(PracticalTask)
class PracticalTaskAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "event", "due_on", "created_by"]
    list_filter = ["event__scheme_year__year", "due_on"]
    search_fields = ["title", "description", "event__title", "organisations__name"]
    list_select_related = ["event", "created_by"]
    inlines = [HandInInline]


@admin.register(HandIn)
class HandInAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["task", "organisation", "original_name", "submitted_by", "submitted_at"]
    list_filter = ["task__event__scheme_year__year"]
    search_fields = ["task__title", "organisation__name", "text"]
    list_select_related = ["task", "organisation", "submitted_by"]


class QuestionInline(ReadOnlyAdmin, admin.TabularInline):
    model = Question
    extra = 0


@admin.register(FeedbackForm)
class FeedbackFormAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "scheme", "event", "opens_at", "closes_at", "created_by"]
    list_filter = ["scheme", "event__kind"]
    search_fields = ["title", "introduction", "event__title"]
    list_select_related = ["scheme", "event", "created_by"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["text", "form", "position", "kind", "required"]
    list_filter = ["kind", "required"]
    search_fields = ["text", "form__title"]
    list_select_related = ["form"]


class AnswerInline(ReadOnlyAdmin, admin.TabularInline):
    model = Answer
    extra = 0


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["form", "organisation", "respondent", "submitted_at"]
    list_filter = ["form", "organisation__kind"]
    search_fields = ["form__title", "organisation__name", "respondent__full_name"]
    list_select_related = ["form", "organisation", "respondent"]
    date_hierarchy = "submitted_at"
    inlines = [AnswerInline]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["question", "response", "rating", "text"]
    list_filter = ["question__kind", "rating"]
    search_fields = ["text", "question__text"]
    list_select_related = ["question", "response__form"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__full_name", "user__email"]
    list_select_related = ["user"]
    exclude = ["token"]  # the secret address stays secret, also from admins' screens
    date_hierarchy = "created_at"


@admin.register(EventReminder)
class EventReminderAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["registration", "sent_at"]
    list_filter = ["sent_at"]
    search_fields = ["registration__person_name", "registration__event__title"]
    list_select_related = ["registration__event", "registration__organisation"]
    date_hierarchy = "sent_at"
