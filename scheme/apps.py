from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchemeConfig(AppConfig):
    name = "scheme"
    verbose_name = _("Scheme and people")

    def ready(self):
        from auditlog.registry import auditlog
        from django.contrib.auth.signals import user_logged_in

        from scheme import auth, dashboard, logs, metrics, models

        logs.connect_signals()
        metrics.connect_signals()
        user_logged_in.connect(auth.note_activity_at_login, dispatch_uid="scheme.login_activity")

        auditlog.register(
            models.User, exclude_fields=["password", "last_login", "idporten_pid_hash"]
        )
        for model in (models.Scheme, models.SchemeYear, models.Goal, models.AwardCondition):
            auditlog.register(model)
        dashboard.register()
