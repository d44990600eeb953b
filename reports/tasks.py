"""The report worker. Tasks take the job's id only and read everything else from the row."""

import logging
import threading

from celery import shared_task
from django.db import InterfaceError, OperationalError, connection
from django.utils import translation

from reports import services
from reports.builders import ReportError, builder_for

log = logging.getLogger(__name__)

# Errors that pass: the database or a connection was briefly away.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
MAX_RETRIES = 5
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


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def build_report(self, job_id: int) -> None:
    """Build the report a job describes. Safe to run twice: a finished job, or one a living
    worker is building, is left alone; a job whose worker died is taken over."""
    job = services.claim(job_id)
    if job is None:
        return

    def progress(percent, step=""):
        if not services.report_progress(job.pk, percent, step, attempt=job.attempts):
            raise Superseded

    # Taken before the figures are read: a change made while the report is built makes the
    # report count as older than the data, so it is not offered again as up to date.
    version = services.data_version()
    with translation.override(job.ordered_by.language):
        try:
            with Heartbeat(job):
                content, file_name = builder_for(job.kind).build(job.parameters, progress)
        except Superseded:
            log.warning("Report job %s was taken over by another worker; stopping", job_id)
        except ReportError as error:
            services.fail(job, error)
        except TRANSIENT as error:
            if self.request.retries >= MAX_RETRIES:
                log.exception("Report job %s failed after retries", job_id)
                services.fail(job, services.GENERIC_ERROR)
                return
            services.requeue(job)
            raise self.retry(exc=error, countdown=2 ** (self.request.retries + 2)) from error
        except Exception:
            log.exception("Report job %s failed", job_id)
            services.fail(job, services.GENERIC_ERROR)
        else:
            services.finish(job, content, file_name, version)


@shared_task
def sweep_report_jobs() -> int:
    """Every minute: send jobs that wait for the broker, take over jobs whose worker died."""
    return services.sweep()
