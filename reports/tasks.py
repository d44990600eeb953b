"""The report worker. Tasks take the job's id only and read everything else from the row."""

import logging
import threading
import time

from celery import shared_task
from django.db import InterfaceError, OperationalError, connection
from django.utils import translation

from reports import services
from reports.builders import ReportError, builder_for

log = logging.getLogger(__name__)

# Errors that pass: the database or a connection was briefly away.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
MAX_RETRIES = 5
# A short step on the job's row (claiming it, storing the file) that meets a passing error is
# tried again at once on a fresh connection, this many times in all, before Celery retries the
# task: a dropped connection costs a moment, not a wait for the sweep.
QUICK_TRIES = 3
QUICK_PAUSE = 0.5  # seconds before the third try (none before the second)
# While a build runs, its worker says it is alive this often (seconds), also during one long
# step such as WeasyPrint's layout, so the sweep never takes a job from a living worker.
HEARTBEAT_EVERY = 30.0


class Superseded(Exception):
    """The job was taken over by another worker (the sweep thought this one dead)."""


class Heartbeat(threading.Thread):
    """Touches the job's ``heartbeat_at`` every ``HEARTBEAT_EVERY`` seconds until stopped."""

    def __init__(self, job):
        super().__init__(name=f"report-job-{job.pk}-heartbeat", daemon=True)
        self.job_id, self.attempt = job.pk, job.attempts
        self.stopped = threading.Event()
        self.lost = False

    def run(self):
        touched = False
        try:
            while not self.stopped.wait(HEARTBEAT_EVERY):
                touched = True
                if not services.heartbeat(self.job_id, self.attempt):
                    self.lost = True
                    return
        except Exception:  # a passing database error: the next beat tries again
            log.warning("Report job %s: heartbeat failed", self.job_id, exc_info=True)
        finally:
            if touched:
                connection.close()  # this thread's own connection

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.join()


def _fresh_connection() -> None:
    """Drop the connection that failed, so that the next query opens a new one. Inside a
    transaction (never in a worker; in tests) the connection is the transaction's to handle."""
    if not connection.in_atomic_block:
        connection.close()


def quickly(step, *args, **kwargs):
    """Run a short step on the job's row, trying it again at once on a fresh connection when
    it meets a passing error; the error of the last try is raised."""
    for attempt in range(1, QUICK_TRIES + 1):
        try:
            return step(*args, **kwargs)
        except TRANSIENT as error:
            if attempt == QUICK_TRIES:
                raise
            log.warning("Report step %s met %r; trying again", step.__name__, error)
            _fresh_connection()
            time.sleep(QUICK_PAUSE * (attempt - 1))


def _countdown(task) -> int:
    """Seconds before Celery's next try: 4, 8, 16, 32, 64."""
    return 2 ** (task.request.retries + 2)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def build_report(self, job_id: int, resume: int | None = None) -> None:
    """Build the report a job describes. Safe to run twice: a finished job, or one a living
    worker is building, is left alone; a job whose worker died is taken over. ``resume``: the
    attempt this task had before Celery retried it (see ``services.claim``)."""
    try:
        job = quickly(services.claim, job_id, resume=resume)
    except TRANSIENT as error:
        if self.request.retries >= MAX_RETRIES:
            log.exception("Report job %s could not be claimed; the sweep sends it again", job_id)
            return
        raise self.retry(exc=error, countdown=_countdown(self)) from error
    if job is None:
        return

    def progress(percent, step=""):
        if not quickly(services.report_progress, job.pk, percent, step, attempt=job.attempts):
            raise Superseded

    with translation.override(job.ordered_by.language):
        try:
            with Heartbeat(job):
                content, file_name = builder_for(job.kind).make(
                    job.ordered_by, job.parameters, progress
                )
            quickly(services.finish, job, content, file_name, job.data_version)
        except Superseded:
            log.warning("Report job %s was taken over by another worker; stopping", job_id)
        except ReportError as error:
            quickly(services.fail, job, error)
        except TRANSIENT as error:
            _try_again_later(self, job, error)
        except Exception:
            log.exception("Report job %s failed", job_id)
            quickly(services.fail, job, services.GENERIC_ERROR)


def _try_again_later(task, job, error) -> None:
    """After a passing error the quick tries did not get past: give the job back and let
    Celery run the task again in a while; after the last retry the job fails."""
    if task.request.retries >= MAX_RETRIES:
        log.exception("Report job %s failed after retries", job.pk)
        quickly(services.fail, job, services.GENERIC_ERROR)
        return
    try:
        quickly(services.requeue, job)
    except TRANSIENT:  # the database is still away: the retry takes the job up by its attempt
        log.warning("Report job %s could not be given back before its retry", job.pk)
    raise task.retry(
        args=[job.pk], kwargs={"resume": job.attempts}, exc=error, countdown=_countdown(task)
    ) from error


@shared_task
def sweep_report_jobs() -> int:
    """Every minute: send jobs that wait for the broker, take over jobs whose worker died."""
    return services.sweep()
