"""Reminders about grant reports: to the organisation 14 and 3 days before the due date and
when overdue, to the caseworker when overdue; each one once, however often the job runs."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from grants import services
from grants.models import ReminderKind, ReportReminder, ReportStatus
from tests import factories
from tests.concurrency import at_once
from tests.grants.conftest import complete_application, eligible_organisation, fill_report

DUE_14 = ReminderKind.DAYS_14
DUE_3 = ReminderKind.DAYS_3
OVERDUE = ReminderKind.OVERDUE
TO_CASEWORKER = ReminderKind.OVERDUE_CASEWORKER


@pytest.fixture
def report(awarded, member, caseworker, participant):
    """An outstanding report; the organisation has two people, everyone reads English."""
    second = factories.member_of(participant, language="en")
    for user in (member, caseworker):
        user.language = "en"
        user.save(update_fields=["language"])
    report = awarded.report
    report.people = [member, second]
    return report


def run(report, days_before_due, capture):
    today = report.due_on - datetime.timedelta(days=days_before_due)
    with capture(execute=True):
        return services.send_report_reminders(today=today)


def kinds(report):
    return set(ReportReminder.objects.filter(report=report).values_list("kind", flat=True))


def recipients(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


@pytest.mark.parametrize(
    ("days_before_due", "expected"),
    [
        (15, set()),
        (14, {DUE_14}),
        (10, {DUE_14}),  # a missed run catches up
        (3, {DUE_3}),
        (2, {DUE_3}),
        (0, {DUE_3}),  # the due date itself is not overdue yet
        (-1, {OVERDUE, TO_CASEWORKER}),
        (-5, {OVERDUE, TO_CASEWORKER}),
    ],
)
def test_the_right_reminder_on_each_day(
    report,
    caseworker,
    other_caseworker,
    mailoutbox,
    django_capture_on_commit_callbacks,
    days_before_due,
    expected,
):
    sent = run(report, days_before_due, django_capture_on_commit_callbacks)
    assert sent == len(expected)
    assert kinds(report) == expected
    people = sorted(person.email for person in report.people)
    if not expected:
        assert mailoutbox == []
    elif TO_CASEWORKER in expected:
        # the organisation's people and the caseworker who has the case; no other caseworker
        assert recipients(mailoutbox) == sorted([*people, caseworker.email])
        to_caseworker = [m for m in mailoutbox if m.to == [caseworker.email]]
        assert "Grant report overdue" in to_caseworker[0].subject
        assert report.award.application.organisation.name in to_caseworker[0].subject
        assert all("overdue" in m.subject for m in mailoutbox if m.to != [caseworker.email])
    else:
        assert recipients(mailoutbox) == people
        assert all("Grant report due" in m.subject for m in mailoutbox)
        assert all(f"/grants/reports/{report.pk}/" in m.body for m in mailoutbox)


def test_each_reminder_goes_out_once_however_often_the_job_runs(
    report, mailoutbox, django_capture_on_commit_callbacks
):
    for days_before_due in range(20, -15, -1):
        for _ in range(3):  # three runs a day, say after restarts
            run(report, days_before_due, django_capture_on_commit_callbacks)
    assert sorted(kinds(report)) == sorted([DUE_14, DUE_3, OVERDUE, TO_CASEWORKER])
    assert ReportReminder.objects.filter(report=report).count() == 4
    # two people × three reminders, and one to the caseworker
    assert len(mailoutbox) == 2 * 3 + 1
    for person in report.people:
        subjects = [m.subject for m in mailoutbox if m.to == [person.email]]
        assert len(subjects) == 3
        assert sum("Grant report due" in s for s in subjects) == 2  # 14 and 3 days before
        assert sum("overdue" in s for s in subjects) == 1


def test_a_run_late_in_the_period_sends_only_the_latest_reminder(
    report, mailoutbox, django_capture_on_commit_callbacks
):
    run(report, 2, django_capture_on_commit_callbacks)
    run(report, 1, django_capture_on_commit_callbacks)
    assert kinds(report) == {DUE_3}  # no "due in 14 days" two days before
    assert len(mailoutbox) == 2


def test_no_reminders_for_sent_or_approved_reports(
    report, member, caseworker, mailoutbox, django_capture_on_commit_callbacks
):
    fill_report(member, report)
    services.submit_report(member, report)
    for days_before_due in (14, 3, -1):
        assert run(report, days_before_due, django_capture_on_commit_callbacks) == 0
    services.approve_report(caseworker, report)
    for days_before_due in (14, 3, -1, -30):
        assert run(report, days_before_due, django_capture_on_commit_callbacks) == 0
    assert kinds(report) == set() and mailoutbox == []


def test_a_returned_report_is_outstanding_again(
    report, member, caseworker, mailoutbox, django_capture_on_commit_callbacks
):
    fill_report(member, report)
    services.submit_report(member, report)
    services.return_report(caseworker, report, "Mer detaljer.")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    run(report, -2, django_capture_on_commit_callbacks)
    assert kinds(report) == {OVERDUE, TO_CASEWORKER}


def test_reports_of_other_organisations_are_reminded_separately(
    report, call, caseworker, mailoutbox, django_capture_on_commit_callbacks
):
    other = eligible_organisation()
    person = factories.member_of(other)
    services.invite(caseworker, call, [other])
    application = services.submit_application(person, complete_application(person, call, other))
    services.declare_impartiality(caseworker, application, has_conflict=False)
    second = services.award_grant(caseworker, application, amount=application.amount, reasons="Ok")
    assert run(report, 3, django_capture_on_commit_callbacks) == 2
    assert kinds(report) == kinds(second.report) == {DUE_3}
    [to_other] = [m for m in mailoutbox if m.to == [person.email]]
    assert other.name in to_other.body and report.award.application.organisation.name not in (
        to_other.body
    )


def test_the_task_is_scheduled_daily_with_celery_beat():
    from grants.tasks import send_report_reminders

    assert send_report_reminders.name == "grants.tasks.send_report_reminders"
    assert any(
        entry["task"] == "grants.tasks.send_report_reminders"
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_the_task_reminds_with_todays_date(
    report, travel, mailoutbox, django_capture_on_commit_callbacks
):
    from grants.tasks import send_report_reminders

    travel(report.due_on - datetime.timedelta(days=14))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_report_reminders.delay().get() == 1
    assert kinds(report) == {DUE_14}
    assert timezone.localdate() == report.due_on - datetime.timedelta(days=14)


def test_two_runs_at_the_same_moment_send_each_reminder_once(
    postgres, transactional_db, report, mailoutbox
):
    """Two workers (or beat firing twice) race; the unique key lets one of them send."""
    today = report.due_on + datetime.timedelta(days=1)
    mailoutbox.clear()  # without a test transaction, the fixtures' own e-mails went out
    counts, errors, crashes = at_once([lambda: services.send_report_reminders(today=today)] * 2)
    assert crashes == [] and errors == []
    assert sum(counts) == 2
    assert kinds(report) == {OVERDUE, TO_CASEWORKER}
    assert len(mailoutbox) == 3  # two people and the caseworker, once each
