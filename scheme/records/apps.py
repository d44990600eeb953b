from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "scheme.records"
    label = "records"
    verbose_name = _("Case records")

    def ready(self):
        from auditlog.registry import auditlog

        from scheme.records import models

        auditlog.register(models.CaseFile)
        auditlog.register(models.RegistryEntry)
