"""Annual grant reports, evaluation summaries, letters and exports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from reports import builders, documents, orders, personal_data

        builders.load()
        documents.register()
        orders.register()
        personal_data.register()
