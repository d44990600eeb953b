from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from scheme.admin import ReadOnlyAdmin, service_action

from . import services
from .models import Announcement, AnnouncementRead, DigestSent


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title_nb", "scheme_year", "audience", "publish_at", "pinned", "withdrawn_at"]
    list_filter = ["audience", "pinned", "scheme_year"]
    search_fields = ["title_nb", "title_en"]
    date_hierarchy = "publish_at"
    actions = [
        service_action(services.withdraw, _("Withdraw the announcement"), _("withdrawn")),
    ]


@admin.register(AnnouncementRead)
class AnnouncementReadAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["announcement", "person", "read_at", "dismissed_at"]
    search_fields = ["person__email", "announcement__title_nb"]


@admin.register(DigestSent)
class DigestSentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["person", "week", "sent_at"]
    list_filter = ["week"]
    search_fields = ["person__email"]
