"""The report worker. Tasks take the job's id only and read everything else from the row."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import translation

from reports import services
from reports.builders import ReportError, builder_for

log = logging.getLogger(__name__)

# Errors that pass: the database or a connection was briefly away.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def build_report(self, job_id: int) -> None:
    """Build the report a job describes. Safe to run twice: a finished job, or one a living
    worker is building, is left alone; a job whose worker died is taken over."""
    job = services.claim(job_id)
    if job is None:
        return
    with translation.override(job.ordered_by.language):
        try:
            content, file_name = builder_for(job.kind).build(
                job.parameters,
                lambda percent, step="": services.report_progress(job.pk, percent, step),
            )
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
            services.finish(job, content, file_name, services.data_version())


@shared_task
def sweep_report_jobs() -> int:
    """Every minute: send jobs that wait for the broker, take over jobs whose worker died."""
    return services.sweep()
