from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reports import services
from reports.models import ReportJob
from scheme.admin import ReadOnlyAdmin, service_action


@admin.register(ReportJob)
class ReportJobAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "kind", "status", "progress", "ordered_by", "created_at", "attempts"]
    list_filter = ["kind", "status"]
    list_select_related = ["ordered_by"]
    search_fields = ["title", "ordered_by__email", "error"]
    date_hierarchy = "created_at"
    actions = [service_action(services.retry, _("Try the failed report again"), _("queued again"))]
