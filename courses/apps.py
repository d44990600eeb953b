"""The annual plan, courses, gatherings and joint meetings."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        from auditlog.registry import auditlog

        from courses import audience, dashboard, models, personal_data, services  # noqa: F401

        auditlog.register(models.PlannedItem, m2m_fields={"competence_areas"})
        auditlog.register(models.Event, m2m_fields={"competence_areas"})
        # The needs are deleted after the event; the history of changes must not keep them.
        auditlog.register(models.Registration, exclude_fields=list(models.NEEDS_FIELDS))
        for model in (
            models.AnnualPlan,
            models.PlanComment,
            models.ProgrammeItem,
            models.Material,
            models.PracticalTask,
            models.HandIn,
            models.FeedbackForm,
            models.Question,
        ):
            auditlog.register(model)
        dashboard.register()
        personal_data.register()
        audience.register()
