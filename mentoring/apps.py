"""Mentor matching, pairings, agreements and meetings."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = _("Mentoring")

    def ready(self):
        from auditlog.registry import auditlog

        from mentoring import dashboard, models, personal_data, services, threads, visibility  # noqa: F401 (verbs)
        from organisations.models import visibility_extensions
        from scheme import registry

        if visibility.paired_organisations not in visibility_extensions:
            visibility_extensions.append(visibility.paired_organisations)
        auditlog.register(models.MentorOffer, m2m_fields={"competence_areas", "target_groups"})
        auditlog.register(models.Meeting, m2m_fields={"topics"}, exclude_fields=["notes"])
        for model in (
            models.Pairing,
            models.PairingMember,
            models.Agreement,
            models.AgreementAcceptance,
            models.Task,
            models.CheckIn,
            models.Flag,
            models.Compensation,
            models.CompensationPayment,
        ):
            auditlog.register(model)
        dashboard.register()
        threads.register()
        personal_data.register()
        registry.register_taking_part(
            registry.TakingPart(visibility.organisations_paired_in, visibility.years_paired)
        )
