from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchemeConfig(AppConfig):
    name = "scheme"
    verbose_name = _("Scheme and people")

    def ready(self):
        from auditlog.registry import auditlog

        from scheme import dashboard, models

        auditlog.register(models.User, exclude_fields=["password", "last_login"])
        for model in (models.Scheme, models.SchemeYear, models.Goal, models.AwardCondition):
            auditlog.register(model)
        dashboard.register()
