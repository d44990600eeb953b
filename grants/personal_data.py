"""What this app holds about a person and about an organisation, for the exports of
scheme/personal_data.py.

A person's part: the applications and grant reports they sent, the files they uploaded, their
appeals, change notices and acceptances of conditions, the bank accounts for payouts they gave
or confirmed, and (caseworkers) their declarations on impartiality. An organisation's part: its
applications with budgets, attachments, decisions and appeals; its awards with payments,
grant reports, clawbacks and change notices; its bank accounts for payouts; as far as the one
exporting may see them. Account numbers are masked in both, as on the pages. The caseworkers'
assessments are internal working documents and stay out.
"""

from django.contrib.contenttypes.models import ContentType

from grants.models import (
    Appeal,
    Application,
    Attachment,
    Award,
    ChangeNotice,
    Decision,
    GrantReport,
    ImpartialityDeclaration,
    PayoutAccount,
)
from grants.services import REPORT_SUBMITTED, SUBMITTED
from scheme import registry
from scheme.models import Event

APP = "grants"


def _names(items) -> list[str]:
    return [item.name for item in items]


def _application(application, files) -> dict:
    return {
        "id": application.pk,
        "organisation": application.organisation.name,
        "call": application.round.title,
        "status": application.status,
        "amount": application.amount,
        "planned_activities": application.planned_activities,
        "reach": application.reach,
        "people_reached": application.people_reached,
        "target_groups": _names(application.target_groups.all()),
        "competence_needs": _names(application.competence_needs.all()),
        "wants_mentor": application.wants_mentor,
        "planned_collaborations": application.planned_collaborations,
        "question_from_the_caseworker": application.info_request,
        "submitted_at": application.submitted_at,
        "budget": [
            {"category": line.category, "description": line.description, "amount": line.amount}
            for line in application.budget_lines.all()
        ],
        "attachments": [
            _attachment(attachment, files) for attachment in application.attachments.all()
        ],
    }


def _attachment(attachment, files) -> dict:
    return {
        "id": attachment.pk,
        "application_id": attachment.application_id,
        "kind": attachment.kind,
        "file_name": attachment.original_name,
        "size": attachment.size,
        "uploaded_at": attachment.uploaded_at,
        "file": files.add("attachments", attachment.pk, attachment.original_name, attachment.file),
    }


def _report(report, files) -> dict:
    statement = report.auditor_statement
    return {
        "id": report.pk,
        "award_id": report.award_id,
        "due_on": report.due_on,
        "status": report.status,
        "activities_held": report.activities_held,
        "people_reached": report.people_reached,
        "collaborations_started": report.collaborations_started,
        "money_used_for": report.money_used_for,
        "results_for_goals": [
            {"goal": result.goal.number, "text": result.text}
            for result in report.goal_results.all()
        ],
        "accounts": [
            {
                "kind": line.kind,
                "category": line.category,
                "description": line.description,
                "amount": line.amount,
            }
            for line in report.account_lines.all()
        ],
        "auditor_name": report.auditor_name,
        "auditor_number": report.auditor_number,
        "auditor_statement": files.add(
            "audits", report.pk, statement.name.rsplit("/", 1)[-1], statement
        ),
        "comments_from_the_caseworker": report.caseworker_comment,
        "submitted_at": report.submitted_at,
        "approved_at": report.approved_at,
    }


def _appeal(appeal) -> dict:
    return {
        "decision_id": appeal.decision_id,
        "grounds": appeal.grounds,
        "lodged_at": appeal.lodged_at,
        "status": appeal.status,
        "outcome": appeal.outcome,
        "handled_at": appeal.handled_at,
    }


def _change_notice(notice) -> dict:
    return {
        "award_id": notice.award_id,
        "description": notice.description,
        "sent_at": notice.sent_at,
        "status": notice.status,
        "outcome": notice.outcome,
        "handled_at": notice.handled_at,
    }


def _payout_account(account) -> dict:
    return {
        "organisation": account.organisation.name,
        "account_number": account.masked,
        "given_by": str(account.entered_by),
        "given_at": account.entered_at,
        "confirmed_by": str(account.confirmed_by or ""),
        "confirmed_at": account.confirmed_at,
        "replaced_at": account.superseded_at,
    }


def _payout_accounts():
    return PayoutAccount.objects.select_related("organisation", "entered_by", "confirmed_by")


def _applications():
    return Application.objects.select_related("organisation", "round").prefetch_related(
        "target_groups", "competence_needs", "budget_lines", "attachments"
    )


def _reports():
    return GrantReport.objects.prefetch_related("goal_results__goal", "account_lines")


def _sent_by(user, verb):
    """Ids of the applications about which ``user`` caused the timeline event ``verb``."""
    return Event.objects.filter(
        actor=user, verb=verb, target_type=ContentType.objects.get_for_model(Application)
    ).values("target_id")


def about_person(user) -> registry.DataPart:
    files = registry.ExportFiles(APP)
    applications = _applications().filter(pk__in=_sent_by(user, SUBMITTED))
    reports = _reports().filter(award__application__in=_sent_by(user, REPORT_SUBMITTED))
    uploaded = Attachment.objects.filter(uploaded_by=user).order_by("uploaded_at", "pk")
    accepted = Award.objects.filter(accepted_by=user).order_by("accepted_at")
    declarations = ImpartialityDeclaration.objects.filter(caseworker=user)
    records = {
        "applications_sent": [_application(a, files) for a in applications],
        "grant_reports_sent": [_report(report, files) for report in reports],
        "files_uploaded": [_attachment(attachment, files) for attachment in uploaded],
        "appeals": [_appeal(a) for a in Appeal.objects.filter(lodged_by=user)],
        "change_notices": [_change_notice(n) for n in ChangeNotice.objects.filter(sent_by=user)],
        "conditions_accepted": list(accepted.values("id", "application_id", "accepted_at")),
        "payout_accounts_given": [
            _payout_account(a) for a in _payout_accounts().filter(entered_by=user)
        ],
        "payout_accounts_confirmed": [
            _payout_account(a) for a in _payout_accounts().filter(confirmed_by=user)
        ],
        "impartiality_declarations": list(
            declarations.values("application_id", "has_conflict", "note", "declared_at")
        ),
    }
    return registry.DataPart(APP, records, tuple(files.entries))


def _decision(decision) -> dict:
    return {
        "id": decision.pk,
        "application_id": decision.application_id,
        "kind": decision.kind,
        "reasons": decision.reasons,
        "decided_by": str(decision.decided_by),
        "decided_at": decision.decided_at,
        "appeal_deadline": decision.appeal_deadline,
        "appeals": [_appeal(appeal) for appeal in decision.appeals.all()],
    }


def _award(award) -> dict:
    return {
        "id": award.pk,
        "application_id": award.application_id,
        "amount": award.amount,
        "conditions": award.conditions,
        "accepted_at": award.accepted_at,
        "payment_plan": [
            {
                "number": instalment.number,
                "amount": instalment.amount,
                "due_on": instalment.due_on,
                "after_report_approved": instalment.after_report_approved,
            }
            for instalment in award.instalments.all()
        ],
        "payments": [
            {
                "paid_on": payment.paid_on,
                "amount": payment.amount,
                "to_account": payment.account.masked if payment.account else "",
            }
            for payment in award.disbursements.all()
        ],
        "clawbacks": [
            {
                "amount": clawback.amount,
                "due_on": clawback.due_on,
                "status": clawback.status,
                "repayments": [
                    {"paid_on": repayment.paid_on, "amount": repayment.amount}
                    for repayment in clawback.repayments.all()
                ],
            }
            for clawback in award.clawbacks.all()
        ],
        "change_notices": [_change_notice(notice) for notice in award.change_notices.all()],
    }


def about_organisation(organisation, actor) -> registry.DataPart:
    files = registry.ExportFiles(APP)
    applications = _applications().visible_to(actor).filter(organisation=organisation)
    decisions = (
        Decision.objects.visible_to(actor)
        .filter(application__organisation=organisation)
        .select_related("decided_by")
        .prefetch_related("appeals")
        .order_by("decided_at")
    )
    awards = (
        Award.objects.visible_to(actor)
        .filter(application__organisation=organisation)
        .prefetch_related(
            "instalments",
            "disbursements__account",
            "change_notices",
            "clawbacks__repayments",
        )
    )
    reports = _reports().visible_to(actor).filter(award__application__organisation=organisation)
    accounts = _payout_accounts().visible_to(actor).filter(organisation=organisation)
    records = {
        "applications": [_application(application, files) for application in applications],
        "decisions": [_decision(decision) for decision in decisions],
        "awards": [_award(award) for award in awards],
        "grant_reports": [_report(report, files) for report in reports],
        "payout_accounts": [_payout_account(account) for account in accounts],
    }
    return registry.DataPart(APP, records, tuple(files.entries))


def register() -> None:
    registry.register_personal_data(person=about_person, organisation=about_organisation)
