"""The grant report and accounts: saved, sent, approved or returned."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from grants import records
from grants.models import (
    AccountLine,
    GoalResult,
    GrantReport,
    LineKind,
)
from grants.services import texts
from grants.services._common import (
    Missing,
    _caseworkers,
    _clean_changed,
    _members,
)
from grants.services.applications import _clean_lines
from grants.services.verbs import REPORT_APPROVED, REPORT_RETURNED, REPORT_SAVED, REPORT_SUBMITTED
from grants.workflows import REPORT_FLOW
from scheme import audit
from scheme.formatting import format_nok
from scheme.notifications import notify
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


def _locked(report) -> GrantReport:
    """The report, locked; refused when its case is closed (a closed case is read-only)."""
    report = (
        GrantReport.objects.select_for_update()
        .select_related(
            "award__application__organisation", "award__application__round__scheme_year__scheme"
        )
        .get(pk=report.pk)
    )
    records.refuse_if_closed(report.award.application)
    return report


def _editable_report(actor, report) -> GrantReport:
    report = _locked(report)
    REPORT_FLOW.require(actor, report, "edit")
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


def category_misfit_message(kind) -> str:
    """What an account line is told when its category does not fit its kind."""
    if kind == LineKind.INCOME:
        return _("Choose an income category for an income line: %(categories)s.") % {
            "categories": ", ".join(
                str(label) for _value, label in AccountLine.categories_for(kind)
            )
        }
    return _("Choose an expense category for an expense line: %(categories)s.") % {
        "categories": ", ".join(str(label) for _value, label in AccountLine.categories_for(kind))
    }


@transaction.atomic
def save_accounts(actor, report, lines) -> GrantReport:
    """Replace the accounts with ``lines``: (income or expense, category, description, amount)."""
    report = _editable_report(actor, report)
    new_lines = [
        AccountLine(report=report, kind=k, category=c, description=d, amount=a)
        for k, c, d, a in lines
    ]
    misfits = [
        _("Line %(number)s: %(problem)s")
        % {"number": number, "problem": category_misfit_message(line.kind)}
        for number, line in enumerate(new_lines, start=1)
        if line.kind in LineKind.values and not AccountLine.category_fits(line.kind, line.category)
    ]
    if misfits:
        raise ValidationError(misfits)
    _clean_lines(new_lines, exclude=["report"])
    report.account_lines.all().delete()
    for line in new_lines:  # one by one, so the audit log records each
        line.save()
    audit.record(actor, REPORT_SAVED, report.award.application, _("accounts"))
    return report


def missing_from_report(report) -> list[Missing]:
    """What still stops the report from being sent, in words for the organisation, each with
    its step ("results", "activities", "accounts" or "auditor")."""
    problems = []
    if not any(result.text.strip() for result in report.goal_results.all()):
        problems.append(
            Missing("results", _("Tell us what you achieved toward at least one of the goals."))
        )
    if not report.activities_held.strip():
        problems.append(Missing("activities", _("Describe the activities you held.")))
    if report.people_reached is None:
        problems.append(Missing("activities", _("Say how many people you reached.")))
    if not report.money_used_for.strip():
        problems.append(Missing("activities", _("Say what the money went to.")))
    if not any(line.kind == LineKind.EXPENSE for line in report.account_lines.all()):
        problems.append(Missing("accounts", _("Fill in the accounts: at least the expenses.")))
    if report.award.needs_audit and not (
        report.auditor_name.strip() and report.auditor_number.strip() and report.auditor_statement
    ):
        problems.append(
            Missing(
                "auditor",
                _(
                    "The grant is above %(threshold)s, so the accounts need an auditor's "
                    "certification: upload it and give the auditor's name and registration "
                    "number."
                )
                % {"threshold": format_nok(report.award.scheme_year.audit_threshold)},
            )
        )
    return problems


@transaction.atomic
def submit_report(actor, report) -> GrantReport:
    report = _locked(report)
    REPORT_FLOW.require(actor, report, "submit")
    problems = missing_from_report(report)
    if problems:
        raise ValidationError([problem.message for problem in problems])
    sent_before = report.submitted_at is not None
    REPORT_FLOW.move(report, "submit")
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_at"])
    application = report.award.application
    _register_sent(actor, report, sent_before)
    audit.record(actor, REPORT_SUBMITTED, application)
    notify(
        _caseworkers(application),
        *texts.REPORT_RECEIVED,
        url=reverse("grants:report", args=[report.pk]),
        organisation=application.organisation.name,
    )
    return report


def _register_sent(actor, report, sent_before) -> None:
    """Register the report and accounts as sent (its receipt is drawn up from it) and the
    auditor's certification, if any, as received. Titles are in the portal's language."""
    application = report.award.application
    with translation.override(settings.LANGUAGE_CODE):
        if sent_before:
            title = _("Grant report and accounts, sent again after the caseworker's comments")
        else:
            title = _("Grant report and accounts")
        records.record(
            application,
            report,
            document_type=records.DocumentType.REPORT,
            direction=records.Direction.INCOMING,
            title=f"{title}: {application.round.title}",
            actor=actor,
        )
        if report.auditor_statement:
            with report.auditor_statement.open("rb") as stored:
                content = stored.read()
            records.record(
                application,
                report,
                document_type=records.DocumentType.ATTACHMENT,
                direction=records.Direction.INCOMING,
                title=_("The auditor's certification of the accounts"),
                actor=actor,
                content=content,
                file_name=os.path.basename(report.auditor_statement.name),
            )


@transaction.atomic
def approve_report(actor, report) -> GrantReport:
    report = _locked(report)
    REPORT_FLOW.require(actor, report, "approve")
    REPORT_FLOW.move(report, "approve")
    report.approved_at = timezone.now()
    report.save(update_fields=["status", "approved_at"])
    application = report.award.application
    audit.record(actor, REPORT_APPROVED, application)
    notify(
        _members(application.organisation),
        *texts.REPORT_APPROVED,
        url=reverse("grants:report", args=[report.pk]),
        organisation=application.organisation.name,
    )
    return report


@transaction.atomic
def return_report(actor, report, comment: str) -> GrantReport:
    report = _locked(report)
    REPORT_FLOW.require(actor, report, "return")
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the organisation must change.")})
    REPORT_FLOW.move(report, "return")
    report.caseworker_comment = comment
    _clean_changed(report, caseworker_comment="comment")
    report.save(update_fields=["status", "caseworker_comment"])
    application = report.award.application
    audit.record(actor, REPORT_RETURNED, application)
    notify(
        _members(application.organisation),
        *texts.REPORT_RETURNED,
        url=reverse("grants:report", args=[report.pk]),
        organisation=application.organisation.name,
        comment=comment,
    )
    return report
