from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from scheme.admin import ReadOnlyAdmin, service_action
from scheme.records import services
from scheme.records.models import CaseFile, CaseSequence, RegistryEntry


@admin.register(CaseSequence)
class CaseSequenceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["body", "year", "last"]
    list_filter = ["year"]


class RegistryEntryInline(ReadOnlyAdmin, admin.TabularInline):
    model = RegistryEntry
    fields = ["number", "direction", "document_type", "title", "registered_at", "party_name"]
    extra = 0
    show_change_link = True


@admin.register(CaseFile)
class CaseFileAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["number", "title", "body", "party", "caseworker", "opened_at", "closed_at"]
    list_filter = ["kind", "year", "body"]
    search_fields = ["title", "party__name"]
    list_select_related = ["body", "party", "caseworker"]
    date_hierarchy = "opened_at"
    inlines = [RegistryEntryInline]
    actions = [service_action(services.close_case, _("Close the case"), _("the case is closed"))]

    @admin.display(description=_("case number"), ordering="sequence")
    def number(self, case_file):
        return case_file.number


@admin.register(RegistryEntry)
class RegistryEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "number_label",
        "title",
        "direction",
        "document_type",
        "party_name",
        "registered_at",
    ]
    list_filter = ["direction", "document_type"]
    search_fields = ["title", "party_name"]
    list_select_related = ["case_file"]
    date_hierarchy = "registered_at"

    @admin.display(description=_("document number"))
    def number_label(self, entry):
        return entry.number_label
