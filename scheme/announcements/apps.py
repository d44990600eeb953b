"""Announcements: short news from the caseworkers to an audience, and the weekly digest."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnouncementsConfig(AppConfig):
    name = "scheme.announcements"
    label = "announcements"
    verbose_name = _("Announcements")

    def ready(self):
        from auditlog.registry import auditlog

        from scheme.announcements import dashboard, models, personal_data, services  # noqa: F401

        auditlog.register(models.Announcement)
        dashboard.register()
        personal_data.register()
