"""Calls, applications, awards, disbursements, grant reports and accounts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Grants")

    def ready(self):
        from auditlog.registry import auditlog

        from grants import dashboard, models, personal_data, public, records, services, threads
        from scheme import registry

        auditlog.register(models.Application, m2m_fields={"target_groups", "competence_needs"})
        for model in (
            models.Round,
            models.Invitation,
            models.BudgetLine,
            models.Attachment,
            models.ImpartialityDeclaration,
            models.Assessment,
            models.Score,
            models.Decision,
            models.Award,
            models.Instalment,
            models.Disbursement,
            models.GrantReport,
            models.GoalResult,
            models.AccountLine,
            models.Clawback,
            models.Repayment,
            models.Appeal,
            models.ChangeNotice,
            models.DecisionProposal,
            models.PaymentAttestation,
        ):
            auditlog.register(model)
        auditlog.register(  # the field history shows an account number masked, as pages do
            models.PayoutAccount,
            mask_fields=["number"],
            mask_callable="grants.account_numbers.mask_account_number",
        )
        dashboard.register()
        threads.register()
        records.register()
        personal_data.register()
        public.register()
        registry.register_frame_commitment(services.awarded_in_frame)
        registry.register_taking_part(
            registry.TakingPart(models.organisations_awarded_in, models.years_awarded)
        )
