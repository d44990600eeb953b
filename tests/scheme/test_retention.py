"""Every retention rule (scheme/retention.py) at its boundary, applied by the daily task.

Each test makes one thing just past the rule's period and one just inside it, runs the beat
task as Celery runs it, and checks that only the first was removed or blanked.
"""

import datetime
import os
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from celery.schedules import crontab
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from organisations import services as organisations
from organisations.models import MembershipInvitation
from reports import services as reports
from reports.models import JobStatus, ReportJob
from scheme import retention
from scheme.models import FormSubmission, Notification
from scheme.notifications import notify
from scheme.storage import ORPHAN_AFTER
from scheme.tasks import apply_retention_rules
from tests import factories

MINUTE = datetime.timedelta(minutes=1)


def rule(code):
    return next(r for r in retention.RULES if r.code == code)


def ago(delta):
    return timezone.now() - delta


def run_the_daily_task():
    return apply_retention_rules.delay().get()


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages in English, so the tests read the source strings."""
    settings.LANGUAGE_CODE = "en"


def test_the_task_runs_every_night_from_beat():
    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "scheme.tasks.apply_retention_rules"
    ]
    assert entry["schedule"] == crontab(hour=3, minute=0)


def test_every_rule_with_a_period_has_a_purge_and_case_documents_are_kept():
    applied = [r for r in retention.RULES if r.is_applied]
    assert {r.code for r in applied} == {
        "sessions",
        "login_records",
        "notification_bodies",
        "report_files",
        "unanswered_invitations",
        "refused_requests",  # issue 11: organisations/personal_data.py
        "form_tokens",
        "orphaned_uploads",
        "event_needs",  # issue 16: courses/personal_data.py
    }
    assert all(r.purge_function() is not None for r in applied)
    assert not rule("case_documents").is_applied
    assert rule("case_documents").purge_function() is None


def test_expired_sessions_are_cleared(db):
    expired = Session.objects.create(
        session_key="a" * 32, session_data="", expire_date=ago(datetime.timedelta(seconds=1))
    )
    live = Session.objects.create(
        session_key="b" * 32, session_data="", expire_date=timezone.now() + MINUTE
    )
    assert run_the_daily_task()["sessions"] == 1
    assert not Session.objects.filter(pk=expired.pk).exists()
    assert Session.objects.filter(pk=live.pk).exists()


def _attempt(model, when, **fields):
    row = model.objects.create(
        username="kari@example.org",
        ip_address="192.0.2.1",
        user_agent=f"Firefox {when:%Y-%m-%d %H:%M}",
        http_accept="*/*",
        path_info="/account/login/",
        **fields,
    )
    model.objects.filter(pk=row.pk).update(attempt_time=when)  # auto_now_add on create
    return row


@pytest.mark.parametrize(
    "model, fields",
    [
        (AccessAttempt, {"get_data": "", "post_data": "", "failures_since_start": 3}),
        (AccessFailureLog, {"locked_out": False}),
        (AccessLog, {}),
    ],
)
def test_login_records_go_after_90_days(db, model, fields):
    period = rule("login_records").keep
    assert period == datetime.timedelta(days=90)
    old = _attempt(model, ago(period + MINUTE), **fields)
    recent = _attempt(model, ago(period - MINUTE), **fields)
    assert run_the_daily_task()["login_records"] == 1
    assert not model.objects.filter(pk=old.pk).exists()
    assert model.objects.filter(pk=recent.pk).exists()


def test_notification_bodies_are_blanked_after_a_year_and_the_row_stays(db):
    period = rule("notification_bodies").keep
    assert period == datetime.timedelta(days=365)
    person = factories.UserFactory()
    old, recent = notify(
        [person, factories.UserFactory()], "Vedtak", "Søknaden er innvilget.", url="/grants/1/"
    )
    Notification.objects.filter(pk=old.pk).update(created_at=ago(period + MINUTE))
    Notification.objects.filter(pk=recent.pk).update(created_at=ago(period - MINUTE))

    assert run_the_daily_task()["notification_bodies"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.recipient, old.subject, old.body, old.url) == (person, "Vedtak", "", "")
    assert old.email_to == person.email  # who was told what subject when
    assert (recent.body, recent.url) == ("Søknaden er innvilget.", "/grants/1/")
    assert run_the_daily_task()["notification_bodies"] == 0  # blanked once


def test_form_tokens_go_after_30_days(db):
    period = rule("form_tokens").keep
    assert period == datetime.timedelta(days=30)
    person = factories.UserFactory()
    old = FormSubmission.objects.create(
        token="0" * 32, user=person, created_at=ago(period + MINUTE)
    )
    recent = FormSubmission.objects.create(
        token="1" * 32, user=person, created_at=ago(period - MINUTE)
    )
    assert run_the_daily_task()["form_tokens"] == 1
    assert list(FormSubmission.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not FormSubmission.objects.filter(pk=old.pk).exists()


def test_invitations_never_accepted_go_90_days_after_they_were_last_sent(db):
    period = rule("unanswered_invitations").keep
    assert period == datetime.timedelta(days=90)
    organisation = factories.OrganisationFactory()
    leader = factories.member_of(organisation)

    def invited(name, status, sent):
        invitation = organisations.invite_person(
            leader, organisation, email=f"{name}@example.org", full_name=name
        )
        MembershipInvitation.objects.filter(pk=invitation.pk).update(status=status, sent_at=sent)
        return invitation.pk

    declined = invited("declined", "declined", ago(period + MINUTE))
    unanswered = invited("unanswered", "pending", ago(period + MINUTE))
    accepted = invited("accepted", "accepted", ago(period + MINUTE))  # the record of consent
    recent = invited("recent", "withdrawn", ago(period - MINUTE))

    assert run_the_daily_task()["unanswered_invitations"] == 2
    kept = set(MembershipInvitation.objects.values_list("pk", flat=True))
    assert kept == {accepted, recent}
    assert not kept & {declined, unanswered}


def test_an_upload_no_row_refers_to_goes_after_a_day(db):
    root = Path(settings.MEDIA_ROOT) / "reports" / "2020"
    root.mkdir(parents=True)
    orphan, young = root / "orphan.pdf", root / "young.pdf"
    for path in (orphan, young):
        path.write_bytes(b"%PDF-1.4")
    old_time = ago(ORPHAN_AFTER + MINUTE).timestamp()
    young_time = ago(ORPHAN_AFTER - MINUTE).timestamp()
    os.utime(orphan, (old_time, old_time))
    os.utime(young, (young_time, young_time))
    assert run_the_daily_task()["orphaned_uploads"] == 1
    assert not orphan.exists()
    assert young.exists()


# --- generated report files -------------------------------------------------------------------


@pytest.fixture
def scheme_year(db):
    return factories.SchemeYearFactory(year=timezone.localdate().year)


@pytest.fixture
def caseworker(scheme_year):
    return factories.caseworker(scheme_year.scheme.administrator)


@pytest.fixture
def order(caseworker, scheme_year, django_capture_on_commit_callbacks):
    """Order a report for the scheme as the caseworker; built at once (eager tasks)."""

    def order(kind):
        with django_capture_on_commit_callbacks(execute=True):
            job = reports.order_report(caseworker, kind, schemes=[scheme_year.scheme.pk])
        job.refresh_from_db()
        return job

    return order


def _made(job, when):
    ReportJob.objects.filter(pk=job.pk).update(finished_at=when)
    job.refresh_from_db()
    return job


def test_report_files_go_after_30_days_and_the_job_says_so(
    client, caseworker, scheme_year, order, django_capture_on_commit_callbacks
):
    period = rule("report_files").keep
    assert period == datetime.timedelta(days=30)
    old = _made(order("csv_applications"), ago(period + MINUTE))
    recent = _made(order("csv_awards"), ago(period - MINUTE))
    old_file = Path(old.file.path)
    assert old.status == recent.status == JobStatus.DONE
    assert old_file.exists()

    assert run_the_daily_task()["report_files"] == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old_file.exists()
    assert (old.status, old.file.name, old.file_expired) == (JobStatus.DONE, "", True)
    assert Path(recent.file.path).exists() and not recent.file_expired

    client.force_login(caseworker)
    page = client.get(reverse("reports:job", args=[old.pk]))
    assert "The file of this report has been deleted." in page.text
    assert reverse("reports:download", args=[old.pk]) not in page.text
    assert client.get(reverse("reports:download", args=[old.pk])).status_code == 404
    assert client.get(reverse("reports:download", args=[recent.pk])).status_code == 200

    # Ordered again: a new job from today's data, not the expired one offered back.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("reports:retry", args=[old.pk]))
    new = ReportJob.objects.exclude(pk__in=[old.pk, recent.pk]).get()
    assert again.url == reverse("reports:job", args=[new.pk])
    assert new.status == JobStatus.DONE and Path(new.file.path).exists()
    new.refresh_from_db()
    assert (
        reports.order_report(caseworker, "csv_applications", schemes=[scheme_year.scheme.pk]) == new
    )


def test_a_report_file_already_gone_does_not_stop_the_rule(order):
    job = order("csv_applications")
    Path(job.file.path).unlink()  # a restore without the files
    _made(job, ago(rule("report_files").keep + MINUTE))
    assert run_the_daily_task()["report_files"] == 1
    job.refresh_from_db()
    assert job.file_expired
