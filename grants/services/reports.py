"""The grant report and accounts: saved, sent, approved or returned."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import (
    AccountLine,
    GoalResult,
    GrantReport,
    ReportStatus,
)
from grants.services._common import (
    _caseworkers,
    _clean_changed,
    _members,
    _require_member,
    _scheme_of,
    _state_error,
)
from grants.services.applications import _clean_lines
from grants.services.verbs import REPORT_APPROVED, REPORT_RETURNED, REPORT_SAVED, REPORT_SUBMITTED
from scheme import audit
from scheme.formatting import format_nok
from scheme.notifications import notify
from scheme.roles import (
    require_administers,
)
from scheme.storage import validate_upload

# --- the grant report and accounts ----------------------------------------------------------------


REPORT_FIELDS = {
    "activities_held",
    "people_reached",
    "collaborations_started",
    "money_used_for",
    "auditor_name",
    "auditor_number",
}


def _editable_report(actor, report) -> GrantReport:
    report = (
        GrantReport.objects.select_for_update()
        .select_related(
            "award__application__organisation", "award__application__round__scheme_year__scheme"
        )
        .get(pk=report.pk)
    )
    _require_member(actor, report.award.application.organisation)
    if not report.is_editable:
        raise _state_error(_("The report has been sent and can no longer be changed."))
    return report


@transaction.atomic
def save_report(actor, report, *, goal_results=None, auditor_statement=None, **fields):
    """Save any part of the report; ``goal_results`` maps goal ids to the organisation's text."""
    report = _editable_report(actor, report)
    unknown = set(fields) - REPORT_FIELDS
    if unknown:
        raise ValueError(f"Not report fields: {unknown}")
    for name, value in fields.items():
        setattr(report, name, value)
    goals = {goal.pk: goal for goal in report.award.scheme_year.scheme.goals.all()}
    if any(goal_id not in goals for goal_id in goal_results or {}):
        raise ValidationError(_("That goal does not belong to this scheme."))
    for goal_id, text in (goal_results or {}).items():
        _clean_changed(GoalResult(text=text), text=f"goal_{goal_id}")
    report.full_clean()
    if auditor_statement is not None:  # stored only once everything else is valid
        validate_upload(auditor_statement)
        report.auditor_statement.save(auditor_statement.name, auditor_statement, save=False)
    report.save()
    for goal_id, text in (goal_results or {}).items():
        GoalResult.objects.update_or_create(
            report=report, goal=goals[goal_id], defaults={"text": text}
        )
    audit.record(actor, REPORT_SAVED, report.award.application)
    return report


@transaction.atomic
def save_accounts(actor, report, lines) -> GrantReport:
    """Replace the accounts with ``lines``: (income or expense, category, description, amount)."""
    report = _editable_report(actor, report)
    new_lines = [
        AccountLine(report=report, kind=k, category=c, description=d, amount=a)
        for k, c, d, a in lines
    ]
    _clean_lines(new_lines, exclude=["report"])
    report.account_lines.all().delete()
    for line in new_lines:  # one by one, so the audit log records each
        line.save()
    audit.record(actor, REPORT_SAVED, report.award.application, _("accounts"))
    return report


def missing_from_report(report) -> list[str]:
    """What still stops the report from being sent, in words for the organisation."""
    problems = []
    if not any(result.text.strip() for result in report.goal_results.all()):
        problems.append(_("Tell us what you achieved toward at least one of the goals."))
    if not report.activities_held.strip():
        problems.append(_("Describe the activities you held."))
    if report.people_reached is None:
        problems.append(_("Say how many people you reached."))
    if not report.money_used_for.strip():
        problems.append(_("Say what the money went to."))
    if not report.account_lines.filter(kind="expense").exists():
        problems.append(_("Fill in the accounts: at least the expenses."))
    if report.award.needs_audit and not (
        report.auditor_name.strip() and report.auditor_number.strip() and report.auditor_statement
    ):
        problems.append(
            _(
                "The grant is above %(threshold)s, so the accounts need an auditor's "
                "certification: upload it and give the auditor's name and registration number."
            )
            % {"threshold": format_nok(report.award.scheme_year.audit_threshold)}
        )
    return problems


@transaction.atomic
def submit_report(actor, report) -> GrantReport:
    report = _editable_report(actor, report)
    problems = missing_from_report(report)
    if problems:
        raise ValidationError(problems)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_at"])
    application = report.award.application
    audit.record(actor, REPORT_SUBMITTED, application)
    notify(
        _caseworkers(application),
        _("Grant report from {organisation}"),
        _("{organisation} has sent its grant report and accounts."),
        url=reverse("grants:report", args=[report.pk]),
        organisation=application.organisation.name,
    )
    return report


def _report_under_review(actor, report) -> GrantReport:
    report = (
        GrantReport.objects.select_for_update()
        .select_related(
            "award__application__organisation", "award__application__round__scheme_year__scheme"
        )
        .get(pk=report.pk)
    )
    require_administers(actor, _scheme_of(report.award.application))
    if report.status != ReportStatus.SUBMITTED:
        raise _state_error(_("Only a report that has been sent can be approved or returned."))
    return report


@transaction.atomic
def approve_report(actor, report) -> GrantReport:
    report = _report_under_review(actor, report)
    report.status = ReportStatus.APPROVED
    report.approved_at = timezone.now()
    report.save(update_fields=["status", "approved_at"])
    application = report.award.application
    audit.record(actor, REPORT_APPROVED, application)
    notify(
        _members(application.organisation),
        _("Your grant report is approved"),
        _("The grant report from {organisation} is approved. Thank you!"),
        url=reverse("grants:report", args=[report.pk]),
        organisation=application.organisation.name,
    )
    return report


@transaction.atomic
def return_report(actor, report, comment: str) -> GrantReport:
    report = _report_under_review(actor, report)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the organisation must change.")})
    report.status = ReportStatus.RETURNED
    report.caseworker_comment = comment
    _clean_changed(report, caseworker_comment="comment")
    report.save(update_fields=["status", "caseworker_comment"])
    application = report.award.application
    audit.record(actor, REPORT_RETURNED, application)
    notify(
        _members(application.organisation),
        _("Your grant report needs changes"),
        _("The caseworker has returned the grant report from {organisation}:\n\n{comment}"),
        url=reverse("grants:report", args=[report.pk]),
        organisation=application.organisation.name,
        comment=comment,
    )
    return report
