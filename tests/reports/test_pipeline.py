"""The report pipeline in one process: a job's life (queued, running, done or failed), retry,
transient errors, idempotency, claims by living and dead workers, progress, reuse of a report
built from unchanged data, and the sweep that sends waiting jobs and takes over dead ones.

The task runs eagerly (tests/conftest.py) or is called directly; tests/reports/test_worker.py
does the same with a real worker and Redis."""

import datetime
import logging
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, connection
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as BrokerError

from organisations.models import TargetGroup
from organisations.services import update_profile
from reports import services, tasks
from reports.builders import ReportError
from reports.models import RESEND_AFTER, STALE_AFTER, JobStatus, ReportJob
from reports.tasks import build_report
from tests import factories
from tests.concurrency import at_once
from tests.reports.conftest import SCRIPTED, report_files

THREADS = 4


def generic_error(user) -> str:
    """The message for an unexpected failure, as the user reads it."""
    with translation.override(user.language):
        return str(services.GENERIC_ERROR)


def order(actor, kind=SCRIPTED, capture=None, **parameters):
    """Order a report and run what the order sends after its commit (the task, eagerly)."""
    if capture is None:
        return services.order_report(actor, kind, **parameters)
    with capture(execute=True):
        return services.order_report(actor, kind, **parameters)


@pytest.fixture
def retries_in_process():
    """Eager tasks that retry run their retries at once (Celery propagates the Retry instead
    when eager tasks propagate their errors)."""
    from scheme.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **options):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(build_report, "apply_async", refuse, raising=False)


# --- the life of a job ---------------------------------------------------------------------


def test_an_order_saves_a_queued_job_before_anything_is_sent(caseworker, script, sent):
    job = services.order_report(caseworker, SCRIPTED, label="a")
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert (job.progress, job.attempts, job.enqueued_at) == (0, 0, None)
    assert job.title == "Scripted report"
    assert job.ordered_by == caseworker
    assert job.parameters == {"label": "a"}
    assert sent == []  # sent only once the order is committed


def test_a_job_goes_from_queued_through_running_to_done(
    caseworker, script, django_capture_on_commit_callbacks
):
    ordered = services.order_report(caseworker, SCRIPTED, label="a")
    script.job_id = ordered.pk
    assert ordered.status == JobStatus.QUEUED
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.order_report(caseworker, SCRIPTED, label="b")
    assert len(callbacks) == 1  # the enqueue, after commit

    build_report.delay(ordered.pk)

    assert script.seen == [("running", 10), ("running", 50), ("running", 90)]
    job = ReportJob.objects.get(pk=ordered.pk)
    assert job.status == JobStatus.DONE
    assert job.progress == 100 and job.step == "" and job.error == ""
    assert job.attempts == 1
    assert job.started_at <= job.finished_at
    assert job.file_name == "scripted.txt"
    assert job.file.read() == b"built 1 {'label': 'a'}"
    assert job.data_version == services.data_version()
    assert job.is_finished and not job.is_stale()


def test_the_task_speaks_the_ordering_users_language(caseworker, script):
    caseworker.language = "en"
    caseworker.save()
    languages = []
    script.effects = [None]
    script.during = lambda: languages.append(translation.get_language())
    job = services.order_report(caseworker, SCRIPTED)
    build_report(job.pk)
    assert languages == ["en"]


def test_a_report_error_fails_the_job_with_its_message(caseworker, script, caplog):
    script.effects = [ReportError("Det finnes ingen tilsagn for dette året.")]
    job = services.order_report(caseworker, SCRIPTED)
    with caplog.at_level(logging.ERROR, logger="reports.tasks"):
        build_report(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "Det finnes ingen tilsagn for dette året."
    assert job.finished_at is not None and job.step == ""
    assert not job.file
    assert caplog.records == []  # expected: nothing for the administrators
    assert report_files() == []


def test_an_unexpected_error_shows_the_generic_message_and_is_logged(caseworker, script, caplog):
    script.effects = [ValueError("division by zero in row 17 (internal detail)")]
    job = services.order_report(caseworker, SCRIPTED)
    with caplog.at_level(logging.ERROR, logger="reports.tasks"):
        build_report(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == generic_error(caseworker)
    assert "internal detail" not in job.error
    [record] = caplog.records
    assert record.getMessage() == f"Report job {job.pk} failed"
    assert record.exc_info[0] is ValueError


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_message_is_in_the_ordering_users_language(caseworker, script, language):
    caseworker.language = language
    caseworker.save()
    script.effects = [ValueError("boom")]
    job = services.order_report(caseworker, SCRIPTED)
    with translation.override("en" if language == "nb" else "nb"):
        build_report(job.pk)  # the worker's own language does not matter
    job.refresh_from_db()
    with translation.override(language):
        assert job.error == str(services.GENERIC_ERROR)
    if language == "en":
        assert job.error.startswith("Something went wrong while building the report.")


def test_a_failed_job_is_built_again_on_retry(
    caseworker, script, django_capture_on_commit_callbacks
):
    script.effects = [ReportError("Prøv igjen.")]
    job = order(caseworker, capture=django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        again = services.retry(caseworker, job)
    assert again.pk == job.pk
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.error == ""
    assert (script.calls, job.attempts) == (2, 2)
    assert job.file.read() == b"built 2 {}"
    assert len(report_files()) == 1


def test_retry_leaves_a_job_that_has_not_failed_alone(caseworker, script, sent):
    job = services.order_report(caseworker, SCRIPTED)
    assert services.retry(caseworker, job).status == JobStatus.QUEUED
    build_report(job.pk)
    job.refresh_from_db()
    finished_at = job.finished_at
    assert services.retry(caseworker, job).status == JobStatus.DONE
    job.refresh_from_db()
    assert (job.finished_at, script.calls) == (finished_at, 1)


def test_only_who_may_see_the_job_can_retry_it(caseworker, member, script):
    script.effects = [ReportError("Nei.")]
    job = services.order_report(member, SCRIPTED)
    build_report(job.pk)
    with pytest.raises(PermissionDenied):
        services.retry(factories.member_of(factories.OrganisationFactory()), job)
    with pytest.raises(PermissionDenied):
        services.retry(caseworker, job)  # a caseworker sees colleagues' jobs, not members'
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


# --- transient errors ------------------------------------------------------------------------


def test_a_transient_error_is_retried_by_the_task_and_ends_done(
    caseworker, script, monkeypatch, retries_in_process
):
    retries = []
    original = build_report.retry
    monkeypatch.setattr(
        build_report,
        "retry",
        lambda *args, **kwargs: retries.append(kwargs) or original(*args, **kwargs),
        raising=False,
    )
    script.effects = [OperationalError("server closed the connection unexpectedly")]
    job = services.order_report(caseworker, SCRIPTED)
    build_report.delay(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert (script.calls, job.attempts) == (2, 2)
    [retry] = retries
    assert retry["countdown"] == 4  # then 8, 16, 32 and 64 seconds
    assert isinstance(retry["exc"], OperationalError)
    assert len(report_files()) == 1


def test_between_tries_the_job_waits_as_queued(caseworker, script, monkeypatch):
    """The task gives the job back before it asks Celery to retry."""
    states = []
    monkeypatch.setattr(
        build_report,
        "retry",
        lambda *args, **kwargs: states.append(ReportJob.objects.get().status) or RuntimeError(),
        raising=False,
    )
    script.effects = [OperationalError("gone")]
    job = services.order_report(caseworker, SCRIPTED)
    with pytest.raises(RuntimeError):
        build_report(job.pk)
    assert states == [JobStatus.QUEUED]
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    build_report(job.pk)  # the retry
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_a_transient_error_that_never_passes_fails_the_job_after_the_retries(
    caseworker, script, caplog, retries_in_process
):
    script.effects = [OperationalError("down")] * (tasks.MAX_RETRIES + 1)
    job = services.order_report(caseworker, SCRIPTED)
    with caplog.at_level(logging.ERROR, logger="reports.tasks"):
        build_report.delay(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == generic_error(caseworker)
    assert script.calls == tasks.MAX_RETRIES + 1
    assert [r.getMessage() for r in caplog.records] == [f"Report job {job.pk} failed after retries"]


def fail_first(monkeypatch, step, times=1):
    """``services.<step>`` meets a passing database error on its first ``times`` calls; returns
    the list of its calls."""
    original = getattr(services, step)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(step)
        if len(calls) <= times:
            raise OperationalError("server closed the connection unexpectedly")
        return original(*args, **kwargs)

    monkeypatch.setattr(services, step, flaky)
    return calls


@pytest.fixture
def celery_retries(monkeypatch, retries_in_process):
    """The keyword arguments of every retry the task asks Celery for (run at once)."""
    retries = []
    original = build_report.retry
    monkeypatch.setattr(
        build_report,
        "retry",
        lambda *args, **kwargs: retries.append(kwargs) or original(*args, **kwargs),
        raising=False,
    )
    monkeypatch.setattr(tasks, "QUICK_PAUSE", 0)
    return retries


@pytest.mark.parametrize("step", ["claim", "finish"])
def test_a_passing_database_error_in_claim_or_finish_is_tried_again_at_once(
    caseworker, script, monkeypatch, celery_retries, step
):
    calls = fail_first(monkeypatch, step)
    job = services.order_report(caseworker, SCRIPTED)
    build_report.delay(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert calls == [step, step]
    assert celery_retries == []  # no wait for Celery, nor ten minutes for the sweep
    assert (script.calls, job.attempts) == (1, 1)
    assert job.file.read() == b"built 1 {}"
    assert len(report_files()) == 1


@pytest.mark.parametrize("step", ["claim", "finish"])
def test_a_database_away_longer_than_the_quick_tries_is_retried_by_celery(
    caseworker, script, monkeypatch, celery_retries, step
):
    calls = fail_first(monkeypatch, step, times=tasks.QUICK_TRIES)
    job = services.order_report(caseworker, SCRIPTED)
    build_report.delay(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert calls == [step] * (tasks.QUICK_TRIES + 1)
    [retry] = celery_retries
    assert retry["countdown"] == 4
    assert isinstance(retry["exc"], OperationalError)
    assert len(report_files()) == 1


def test_a_job_that_could_not_be_given_back_is_taken_up_by_its_retry(
    caseworker, script, monkeypatch, celery_retries
):
    """The database was away when the file was to be stored and when the job was to be given
    back: the job still says "running", and the retry takes it up (no other worker had it)."""
    fail_first(monkeypatch, "finish", times=tasks.QUICK_TRIES)
    fail_first(monkeypatch, "requeue", times=tasks.QUICK_TRIES)
    states = []
    script.during = lambda: states.append(ReportJob.objects.get().status)
    job = services.order_report(caseworker, SCRIPTED)
    build_report.delay(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert (script.calls, job.attempts) == (2, 2)
    assert celery_retries[0]["kwargs"] == {"resume": 1}


def test_a_retry_leaves_a_job_another_worker_has_claimed_since(caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    services.claim(job.pk)
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - 2 * STALE_AFTER)
    assert services.claim(job.pk).attempts == 2  # the sweep's message, to another worker
    assert services.claim(job.pk, resume=1) is None
    assert services.claim(job.pk, resume=2) is not None  # the other worker's own retry


@pytest.fixture
def drop_the_connection():
    """Cuts this process's database connection from the server's side, as a restart of
    PostgreSQL, a failover or a proxy's idle timeout does; a connection the test leaves broken
    is closed after it."""

    def drop():
        with pytest.raises((OperationalError, InterfaceError)), connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    yield drop
    connection.close()


@pytest.mark.parametrize("step", ["claim", "finish"])
def test_a_dropped_database_connection_does_not_hold_the_report_back(
    postgres_shared, caseworker, script, monkeypatch, celery_retries, drop_the_connection, step
):
    original = getattr(services, step)
    dropped = []

    def after_a_drop(*args, **kwargs):
        if not dropped:
            dropped.append(step)
            drop_the_connection()
        return original(*args, **kwargs)

    monkeypatch.setattr(services, step, after_a_drop)
    job = services.order_report(caseworker, SCRIPTED)
    build_report.delay(job.pk)
    job.refresh_from_db()
    assert dropped == [step]
    assert job.status == JobStatus.DONE, job.error
    assert (script.calls, job.attempts, celery_retries) == (1, 1, [])


# --- idempotency -------------------------------------------------------------------------------


def test_running_the_task_twice_builds_once(caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    build_report(job.pk)
    job.refresh_from_db()
    before = (job.status, job.file.name, job.finished_at, job.attempts, job.data_version)
    build_report(job.pk)
    build_report.delay(job.pk)
    job.refresh_from_db()
    assert (job.status, job.file.name, job.finished_at, job.attempts, job.data_version) == before
    assert script.calls == 1
    assert len(report_files()) == 1


def test_a_failed_job_is_not_built_again_by_a_repeated_message(caseworker, script):
    script.effects = [ReportError("Nei.")]
    job = services.order_report(caseworker, SCRIPTED)
    build_report(job.pk)
    build_report(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, script.calls) == (JobStatus.FAILED, 1, 1)


def test_a_task_for_a_job_that_is_gone_does_nothing(db, script):
    build_report(987654)
    assert services.claim(987654) is None
    assert script.calls == 0


# --- claims ----------------------------------------------------------------------------------


def test_a_job_claimed_by_a_living_worker_is_not_taken_by_a_second(caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    first = services.claim(job.pk)
    assert first.status == JobStatus.RUNNING and first.attempts == 1
    assert services.claim(job.pk) is None
    build_report(job.pk)  # a second delivery while the first worker builds
    assert script.calls == 0
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)


def test_a_stale_job_is_taken_over(caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    services.claim(job.pk)
    ReportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - STALE_AFTER - datetime.timedelta(seconds=1), progress=60
    )
    job.refresh_from_db()
    assert job.is_stale()
    taken = services.claim(job.pk)
    assert taken is not None
    assert (taken.attempts, taken.progress, taken.status) == (2, 0, JobStatus.RUNNING)
    assert not taken.is_stale()


def test_a_stale_job_is_finished_by_the_next_delivery(caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    services.claim(job.pk)  # a worker that then died
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - 2 * STALE_AFTER)
    build_report(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, script.calls) == (JobStatus.DONE, 2, 1)


def test_a_worker_whose_job_was_taken_over_stops_and_stores_nothing(caseworker, script):
    """The sweep thought the first worker dead and another claimed the job: the first stops at
    its next progress report; the file is the new worker's alone."""
    job = services.order_report(caseworker, SCRIPTED)

    def taken_over():
        ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - 2 * STALE_AFTER)
        assert services.claim(job.pk).attempts == 2

    script.during = taken_over
    build_report(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 2)
    assert report_files() == []
    assert services.report_progress(job.pk, 70, attempt=1) is False


def test_a_late_finish_of_a_superseded_worker_is_discarded(caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    old = services.claim(job.pk)
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - 2 * STALE_AFTER)
    new = services.claim(job.pk)
    assert services.finish(old, b"old", "old.txt", "1:1") is None
    assert services.fail(old, "old failure").status == JobStatus.RUNNING
    done = services.finish(new, b"new", "new.txt", "1:1")
    assert done.status == JobStatus.DONE
    assert done.file.read() == b"new"
    assert len(report_files()) == 1


def test_a_worker_the_sweep_gave_up_on_may_still_finish_before_another_starts(
    caseworker, script, sent
):
    job = services.order_report(caseworker, SCRIPTED)
    slow = services.claim(job.pk)
    services.sweep(now=timezone.now() + STALE_AFTER + datetime.timedelta(seconds=1))
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert services.finish(slow, b"slow", "slow.txt", "1:1").status == JobStatus.DONE
    assert services.claim(job.pk) is None  # the message the sweep sent finds it done


# --- progress and heartbeat --------------------------------------------------------------------


def test_progress_moves_the_bar_and_is_clamped(caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    services.claim(job.pk)
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - STALE_AFTER)

    def state():
        job.refresh_from_db()
        return job.progress, job.step

    assert services.report_progress(job.pk, 40, "Reading the awards")
    assert state() == (40, "Reading the awards")
    assert not job.is_stale()  # a progress report is a sign of life
    services.report_progress(job.pk, 250, "x" * 300)
    assert state() == (99, "x" * 200)  # 100 % only when the file is there
    services.report_progress(job.pk, -10)
    assert state() == (0, "")
    services.report_progress(job.pk, 55.7, 12)
    assert state() == (55, "12")


def test_progress_of_a_job_that_is_not_running_changes_nothing(caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    assert services.report_progress(job.pk, 50) is False
    build_report(job.pk)
    assert services.report_progress(job.pk, 50) is False
    job.refresh_from_db()
    assert job.progress == 100


def test_the_heartbeat_keeps_a_long_step_alive_and_stops_with_it(monkeypatch):
    beats = []
    monkeypatch.setattr(tasks, "HEARTBEAT_EVERY", 0.01)
    monkeypatch.setattr(
        services, "heartbeat", lambda job_id, attempt: beats.append((job_id, attempt)) or True
    )
    job = ReportJob(pk=41, attempts=3)
    with tasks.Heartbeat(job) as heart:
        deadline = timezone.now() + datetime.timedelta(seconds=5)
        while len(beats) < 3 and timezone.now() < deadline:
            time.sleep(0.005)
    count = len(beats)
    assert count >= 3 and set(beats) == {(41, 3)}
    assert not heart.is_alive() and not heart.lost
    assert len(beats) == count


def test_the_heartbeat_stops_when_the_job_is_no_longer_the_workers(monkeypatch):
    monkeypatch.setattr(tasks, "HEARTBEAT_EVERY", 0.01)
    monkeypatch.setattr(services, "heartbeat", lambda job_id, attempt: False)
    with tasks.Heartbeat(ReportJob(pk=1, attempts=1)) as heart:
        heart.join(timeout=5)
    assert heart.lost


def test_the_heartbeat_service_touches_only_the_claimants_job(caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    services.claim(job.pk)
    old = timezone.now() - STALE_AFTER - datetime.timedelta(seconds=5)
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=old)
    assert services.heartbeat(job.pk, attempt=2) is False
    job.refresh_from_db()
    assert job.heartbeat_at == old
    assert services.heartbeat(job.pk, attempt=1) is True
    job.refresh_from_db()
    assert not job.is_stale()


# --- reuse of a report built from unchanged data -------------------------------------------------


def test_the_same_report_from_unchanged_data_is_offered_again(caseworker, script):
    first = services.order_report(caseworker, SCRIPTED, label="a")
    build_report(first.pk)
    again = services.order_report(caseworker, SCRIPTED, label="a")
    assert again.pk == first.pk
    assert again.status == JobStatus.DONE
    assert ReportJob.objects.count() == 1
    other = services.order_report(caseworker, SCRIPTED, label="b")
    assert other.pk != first.pk  # other parameters: another report


def test_a_report_waiting_or_being_built_from_unchanged_data_is_offered(
    caseworker, participant, script, sent
):
    """Ordering again while the first is made (a double click, a second tab) makes no job."""
    waiting = services.order_report(caseworker, SCRIPTED)
    assert services.order_report(caseworker, SCRIPTED).pk == waiting.pk
    services.claim(waiting.pk)
    assert services.order_report(caseworker, SCRIPTED).pk == waiting.pk  # being built
    update_profile(caseworker, participant, description="Endret mens rapporten lages.")
    newer = services.order_report(caseworker, SCRIPTED)
    assert newer.pk != waiting.pk  # built from older data than there is now
    assert ReportJob.objects.count() == 2


def test_a_failed_report_is_not_offered(caseworker, script, sent):
    script.effects = [ReportError("Nei.")]
    failed = services.order_report(caseworker, SCRIPTED)
    build_report(failed.pk)
    assert services.order_report(caseworker, SCRIPTED).pk != failed.pk


def test_a_finished_report_whose_file_was_removed_is_not_offered(caseworker, script):
    done = services.order_report(caseworker, SCRIPTED)
    build_report(done.pk)
    ReportJob.objects.filter(pk=done.pk).update(file="")  # removed after its time
    assert services.order_report(caseworker, SCRIPTED).pk != done.pk


def test_a_finished_report_is_offered_before_one_being_built(caseworker, script):
    done = services.order_report(caseworker, SCRIPTED)
    build_report(done.pk)
    again = ReportJob.objects.create(
        kind=SCRIPTED, parameters={}, ordered_by=caseworker, title="Again"
    )
    services.claim(again.pk)
    assert services.order_report(caseworker, SCRIPTED).pk == done.pk


def test_two_orders_at_the_same_moment_make_one_job(postgres_shared, caseworker, script, sent):
    ordered, errors, crashes = at_once(
        [lambda: services.order_report(caseworker, SCRIPTED, label="a")] * THREADS
    )
    assert crashes == [] and errors == []
    [job] = ReportJob.objects.all()
    assert [made.pk for made in ordered] == [job.pk] * THREADS
    assert sent == [job.pk]


def test_a_service_call_makes_the_next_order_a_new_report(caseworker, participant, script):
    first = services.order_report(caseworker, SCRIPTED)
    build_report(first.pk)
    update_profile(caseworker, participant, description="Nå også leksehjelp på lørdager.")
    second = services.order_report(caseworker, SCRIPTED)
    assert second.pk != first.pk
    assert second.status == JobStatus.QUEUED


def test_an_admin_change_makes_the_next_order_a_new_report(client, admin_user, script):
    group = factories.TargetGroupFactory()
    first = services.order_report(admin_user, SCRIPTED)
    build_report(first.pk)
    assert services.order_report(admin_user, SCRIPTED).pk == first.pk
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:organisations_targetgroup_change", args=[group.pk]),
        {"code": group.code, "name_nb": "Nytt navn", "name_en": group.name_en},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TargetGroup.objects.get(pk=group.pk).name_nb == "Nytt navn"
    assert services.order_report(admin_user, SCRIPTED).pk != first.pk


def test_a_change_during_the_build_makes_the_report_count_as_older(caseworker, participant, script):
    script.during = lambda: update_profile(caseworker, participant, description="Endret.")
    first = services.order_report(caseworker, SCRIPTED)
    build_report(first.pk)
    first.refresh_from_db()
    assert first.status == JobStatus.DONE
    assert services.order_report(caseworker, SCRIPTED).pk != first.pk


def test_another_users_report_is_not_offered(member, other_member, script):
    theirs = services.order_report(other_member, SCRIPTED)
    build_report(theirs.pk)
    mine = services.order_report(member, SCRIPTED)
    assert mine.pk != theirs.pk
    assert mine.ordered_by == member


def test_ordering_a_kind_the_user_may_not_order_is_refused(member, sent):
    with pytest.raises(PermissionDenied):
        services.order_report(member, "csv_applications")
    with pytest.raises(ReportError):
        services.order_report(member, "no_such_kind")
    assert ReportJob.objects.count() == 0 and sent == []


# --- broker down and the sweep --------------------------------------------------------------------


def test_an_order_while_the_broker_is_down_is_saved_and_waits(
    caseworker, script, broker_down, django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.WARNING, logger="reports.services"):
        job = order(caseworker, capture=django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.enqueued_at) == (JobStatus.QUEUED, None)
    assert "the broker could not be reached" in caplog.text
    assert script.calls == 0


def test_the_sweep_sends_waiting_jobs_once_the_broker_is_back(caseworker, script, monkeypatch):
    broker = {"up": False}
    publish = build_report.apply_async

    def apply_async(*args, **options):
        if not broker["up"]:
            raise BrokerError("Connection refused.")
        return publish(*args, **options)

    monkeypatch.setattr(build_report, "apply_async", apply_async, raising=False)
    job = services.order_report(caseworker, SCRIPTED)
    assert services.enqueue(job.pk) is False
    assert services.sweep() == 0  # still down
    job.refresh_from_db()
    assert (job.status, job.enqueued_at) == (JobStatus.QUEUED, None)

    broker["up"] = True  # the eager task runs at once
    assert services.sweep() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.enqueued_at is not None
    assert services.sweep() == 0


def test_the_sweep_sends_what_waits_and_takes_over_what_died(caseworker, script, sent):
    now = timezone.now()
    never_sent = services.order_report(caseworker, SCRIPTED, n=1)
    sent_long_ago = services.order_report(caseworker, SCRIPTED, n=2)
    sent_lately = services.order_report(caseworker, SCRIPTED, n=3)
    dead = services.order_report(caseworker, SCRIPTED, n=4)
    alive = services.order_report(caseworker, SCRIPTED, n=5)
    done = services.order_report(caseworker, SCRIPTED, n=6)
    failed = services.order_report(caseworker, SCRIPTED, n=7)
    ReportJob.objects.filter(pk=sent_long_ago.pk).update(
        enqueued_at=now - RESEND_AFTER - datetime.timedelta(minutes=1)
    )
    ReportJob.objects.filter(pk__in=[sent_lately.pk, dead.pk, alive.pk]).update(
        enqueued_at=now - datetime.timedelta(minutes=1)
    )
    for job in (dead, alive):
        services.claim(job.pk)
    ReportJob.objects.filter(pk=dead.pk).update(
        heartbeat_at=now - STALE_AFTER - datetime.timedelta(seconds=1), progress=40, step="x"
    )
    ReportJob.objects.filter(pk=done.pk).update(status=JobStatus.DONE, enqueued_at=None)
    ReportJob.objects.filter(pk=failed.pk).update(status=JobStatus.FAILED, enqueued_at=None)

    assert services.sweep(now=now) == 3
    assert sorted(sent) == sorted([never_sent.pk, sent_long_ago.pk, dead.pk])
    dead.refresh_from_db()
    assert (dead.status, dead.step) == (JobStatus.QUEUED, "")
    assert dead.enqueued_at is not None
    alive.refresh_from_db()
    assert alive.status == JobStatus.RUNNING

    sent.clear()
    assert services.sweep(now=now) == 0  # all sent lately now
    assert sent == []

    # The messages the sweep sent: the dead worker's job is built by the next worker.
    build_report(dead.pk)
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (JobStatus.DONE, 2)


def test_the_sweep_runs_every_minute_from_beat(settings, caseworker, script, sent):
    entry = settings.CELERY_BEAT_SCHEDULE["report-job-sweep"]
    assert entry["task"] == "reports.tasks.sweep_report_jobs"
    assert entry["schedule"] <= 60
    never_sent = services.order_report(caseworker, SCRIPTED, n=1)
    dead = services.order_report(caseworker, SCRIPTED, n=2)
    services.claim(dead.pk)
    ReportJob.objects.filter(pk=dead.pk).update(
        heartbeat_at=timezone.now() - STALE_AFTER - datetime.timedelta(seconds=1)
    )
    sent.clear()
    assert tasks.sweep_report_jobs.delay().get() == 2
    assert sorted(sent) == sorted([never_sent.pk, dead.pk])
    dead.refresh_from_db()
    assert (dead.status, dead.step) == (JobStatus.QUEUED, "")
