from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "scheme.conversations"
    label = "conversations"
    verbose_name = _("Messages")

    def ready(self):
        from auditlog.registry import auditlog

        from scheme.conversations import dashboard, models, personal_data

        auditlog.register(models.Thread)
        # The text of a withdrawn message stays in the row only, never in the field history.
        auditlog.register(models.Message, exclude_fields=["body"])
        auditlog.register(models.ReplyTemplate)
        dashboard.register()
        personal_data.register()
