from django.contrib import admin

from reports.models import ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "progress", "ordered_by", "created_at", "attempts"]
    list_filter = ["kind", "status"]
    list_select_related = ["ordered_by"]
    search_fields = ["title", "ordered_by__email", "error"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "kind",
        "parameters",
        "ordered_by",
        "file",
        "data_version",
        "created_at",
        "enqueued_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "attempts",
    ]
