"""Reminders of grant reports that are due."""

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from grants.models import (
    GrantReport,
    ReminderKind,
    ReportReminder,
)
from grants.services import texts
from grants.services._common import _caseworkers, _day, _members
from scheme.notifications import notify

# --- reminders ---------------------------------------------------------------------------------


def _remind_once(report, kind) -> bool:
    """Record a reminder; False when it has been sent before (the unique key decides)."""
    try:
        with transaction.atomic():
            ReportReminder.objects.create(report=report, kind=kind)
    except IntegrityError:
        return False
    return True


def _reminders_due(report, today) -> list[str]:
    """The reminders a report should have had by ``today``; a missed run catches up with
    the latest one only (no "14 days left" two days before the deadline)."""
    days_left = (report.due_on - today).days
    if days_left < 0:
        return [ReminderKind.OVERDUE, ReminderKind.OVERDUE_CASEWORKER]
    if days_left <= 3:
        return [ReminderKind.DAYS_3]
    if days_left <= 14:
        return [ReminderKind.DAYS_14]
    return []


def send_report_reminders(today: datetime.date | None = None) -> int:
    """Remind organisations 14 and 3 days before a report is due and when it is overdue, and
    the caseworker when it is overdue. Each reminder goes out once, however often this runs."""
    today = today or timezone.localdate()
    sent = 0
    reports = (
        GrantReport.objects.outstanding()
        .filter(due_on__lte=today + datetime.timedelta(days=14))
        .select_related(
            "award__application__organisation",
            "award__application__caseworker",
            "award__application__round__scheme_year__scheme__administrator",
        )
        .prefetch_related("reminders")
    )
    for report in reports:
        sent_before = {reminder.kind for reminder in report.reminders.all()}
        for kind in _reminders_due(report, today):
            if kind in sent_before:
                continue
            with transaction.atomic():
                if _remind_once(report, kind):
                    _send_reminder(report, kind)
                    sent += 1
    return sent


def _applicants(application):
    return _members(application.organisation)


# Who hears of each reminder, and what they are told.
_REMINDERS = {
    ReminderKind.OVERDUE_CASEWORKER: (_caseworkers, texts.REPORT_OVERDUE_CASEWORKER),
    ReminderKind.OVERDUE: (_applicants, texts.REPORT_OVERDUE),
    ReminderKind.DAYS_3: (_applicants, texts.REPORT_DUE_IN_3_DAYS),
    ReminderKind.DAYS_14: (_applicants, texts.REPORT_DUE_IN_14_DAYS),
}


def _send_reminder(report, kind):
    application = report.award.application
    recipients, notice = _REMINDERS[kind]
    notify(
        recipients(application),
        *notice,
        url=reverse("grants:report", args=[report.pk]),
        organisation=application.organisation.name,
        due=_day(report.due_on),
    )
