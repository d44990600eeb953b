from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Organisations")

    def ready(self):
        from auditlog.registry import auditlog

        from organisations import dashboard, models, personal_data, threads

        auditlog.register(
            models.Organisation, m2m_fields={"target_groups", "languages", "competence_needs"}
        )
        for model in (
            models.Membership,
            models.Branch,
            models.Activity,
            models.Collaboration,
            models.PreviousApplication,
            models.TargetGroup,
            models.Language,
        ):
            auditlog.register(model)
        # The address of an invitation that goes unanswered is deleted with it (retention).
        auditlog.register(models.MembershipInvitation, mask_fields=["email"])
        dashboard.register()
        threads.register()
        personal_data.register()
