"""Every mentoring model in Django admin, for IT and operations. Meeting notes are not shown:
they belong to the pair (and to the caseworker only where the pair chose so)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mentoring import models
from scheme.admin import ReadOnlyAdmin


class PairingColumn:
    """A readable pairing column without a query per row (``Pairing.__str__`` lists the
    participants, so the list prefetches them)."""

    pairing_path = "pairing"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(f"{self.pairing_path}__members__organisation")
        )

    @admin.display(description=_("pairing"))
    def pairing_name(self, obj):
        pairing = obj
        for part in self.pairing_path.split("__"):
            pairing = getattr(pairing, part)
        return str(pairing)


@admin.register(models.MentorOffer)
class MentorOfferAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["organisation", "capacity", "digital_ok", "updated_at"]
    list_filter = ["digital_ok", "competence_areas"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "wishes"]


class PairingMemberInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.PairingMember
    extra = 0


@admin.register(models.Pairing)
class PairingAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "mentor", "participants", "scheme", "status", "starts_on", "ends_on"]
    list_display_links = ["id", "mentor"]
    list_filter = ["status", "scheme", "starts_on"]
    list_select_related = ["mentor", "scheme"]
    search_fields = ["mentor__name", "members__organisation__name", "end_reason"]
    date_hierarchy = "starts_on"
    inlines = [PairingMemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members__organisation")

    @admin.display(description=_("participants"))
    def participants(self, obj):
        return ", ".join(m.organisation.name for m in obj.members.all())


@admin.register(models.PairingMember)
class PairingMemberAdmin(PairingColumn, ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["organisation", "pairing_name", "contact"]
    list_filter = ["pairing__status"]
    list_select_related = ["organisation", "pairing__mentor", "contact"]
    search_fields = ["organisation__name", "pairing__mentor__name"]


class AgreementAcceptanceInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.AgreementAcceptance
    extra = 0


@admin.register(models.Agreement)
class AgreementAdmin(PairingColumn, ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["pairing_name", "min_meetings", "created_at"]
    list_select_related = ["pairing__mentor"]
    search_fields = ["pairing__mentor__name", "pairing__members__organisation__name"]
    inlines = [AgreementAcceptanceInline]


@admin.register(models.AgreementAcceptance)
class AgreementAcceptanceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["organisation", "agreement", "accepted_by", "accepted_at"]
    list_select_related = ["organisation", "agreement__pairing__mentor", "accepted_by"]
    search_fields = ["organisation__name", "accepted_by__email"]
    date_hierarchy = "accepted_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("agreement__pairing__members__organisation")
        )


class TaskInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.Task
    extra = 0
    fields = ["title", "owner", "due_on", "done_at"]


@admin.register(models.Meeting)
class MeetingAdmin(PairingColumn, ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "held_on",
        "pairing_name",
        "mode",
        "initiative",
        "duration_minutes",
        "logged_for",
        "notes_visibility",
        "confirmed_at",
    ]
    list_filter = ["mode", "initiative", "notes_visibility", "held_on"]
    list_select_related = ["pairing__mentor", "logged_for"]
    search_fields = ["pairing__mentor__name", "pairing__members__organisation__name", "attendees"]
    date_hierarchy = "held_on"
    exclude = ["notes"]  # confidential to the pair
    inlines = [TaskInline]


@admin.register(models.CalledOffMeeting)
class CalledOffMeetingAdmin(PairingColumn, ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["planned_on", "pairing_name", "outcome", "new_date", "by_side", "recorded_at"]
    list_filter = ["outcome", "by_side", "planned_on"]
    list_select_related = ["pairing__mentor"]
    search_fields = ["pairing__mentor__name", "pairing__members__organisation__name"]
    date_hierarchy = "planned_on"


@admin.register(models.Task)
class TaskAdmin(PairingColumn, ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "pairing_name", "owner", "due_on", "done_at"]
    list_filter = ["due_on", ("done_at", admin.EmptyFieldListFilter)]
    list_select_related = ["pairing__mentor", "owner"]
    search_fields = ["title", "owner__name", "pairing__mentor__name"]
    date_hierarchy = "due_on"


@admin.register(models.CheckIn)
class CheckInAdmin(PairingColumn, ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "pairing_name",
        "organisation",
        "kind",
        "good_fit",
        "usefulness",
        "cooperation",
        "progress",
        "clarity",
        "answered_at",
        "followed_up_at",
    ]
    list_filter = ["kind", "good_fit", ("followed_up_at", admin.EmptyFieldListFilter)]
    list_select_related = ["pairing__mentor", "organisation"]
    search_fields = ["organisation__name", "pairing__mentor__name", "comment"]
    date_hierarchy = "answered_at"


@admin.register(models.Flag)
class FlagAdmin(PairingColumn, ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["pairing_name", "raised_for", "raised_at", "status", "handled_at"]
    list_filter = ["status", "raised_at"]
    list_select_related = ["pairing__mentor", "raised_for"]
    search_fields = ["raised_for__name", "pairing__mentor__name", "message", "outcome"]
    date_hierarchy = "raised_at"


class CompensationPaymentInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.CompensationPayment
    extra = 0


@admin.register(models.Compensation)
class CompensationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["mentor", "scheme_year", "amount"]
    list_filter = ["scheme_year"]
    list_select_related = ["mentor", "scheme_year__scheme"]
    search_fields = ["mentor__name"]
    inlines = [CompensationPaymentInline]


@admin.register(models.CompensationPayment)
class CompensationPaymentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["compensation", "paid_on", "amount", "recorded_by"]
    list_filter = ["compensation__scheme_year"]
    list_select_related = [
        "compensation__mentor",
        "compensation__scheme_year__scheme",
        "recorded_by",
    ]
    search_fields = ["compensation__mentor__name"]
    date_hierarchy = "paid_on"


@admin.register(models.BehindReminder)
class BehindReminderAdmin(PairingColumn, ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["pairing_name", "week", "sent_at"]
    list_filter = ["week"]
    list_select_related = ["pairing__mentor"]
    search_fields = ["pairing__mentor__name", "week"]
    date_hierarchy = "sent_at"
