"""Ordering reports and moving their jobs through their life.

A job is saved before anything is sent to a worker, so nothing is lost: if the broker is down
the job waits as "queued" and the periodic sweep sends it when the broker is back; if a worker
dies in the middle, the sweep hands the job to the next worker. The task is idempotent: a job
that is done (or being built by a living worker) is left alone.
"""

import logging

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerError

from reports.builders import builder_for
from reports.models import RESEND_AFTER, JobStatus, ReportJob
from scheme.models import Event

log = logging.getLogger(__name__)

GENERIC_ERROR = _(
    "Something went wrong while building the report. Try again; if it fails again, tell "
    "the portal's administrators, who can see what happened."
)


def data_version() -> str:
    """The latest recorded changes to the portal's data: every service writes a timeline event
    and the audit log records every model change (the admin's too), so while both numbers stay
    the same, so does the data."""
    logged = LogEntry.objects.aggregate(latest=Max("pk"))["latest"] or 0
    recorded = Event.objects.aggregate(latest=Max("pk"))["latest"] or 0
    return f"{logged}:{recorded}"


def order_report(actor, kind: str, **parameters) -> ReportJob:
    """Order a report. An identical one built from the same data is offered instead."""
    builder = builder_for(kind)
    if not builder.allowed(actor, parameters):
        raise PermissionDenied
    ready = (
        ReportJob.objects.visible_to(actor)
        .filter(kind=kind, parameters=parameters, status=JobStatus.DONE)
        .filter(data_version=data_version())
        .first()
    )
    if ready is not None:
        return ready
    with transaction.atomic():
        job = ReportJob.objects.create(
            kind=kind, parameters=parameters, ordered_by=actor, title=builder.title(parameters)
        )
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> bool:
    """Hand the job to the broker; when it cannot be reached the job stays queued for the sweep."""
    from reports.tasks import build_report

    try:
        build_report.apply_async(args=[job_id], retry=False)
    except (BrokerError, ConnectionError, OSError) as error:
        log.warning("Report job %s waits: the broker could not be reached (%s)", job_id, error)
        return False
    ReportJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    return True


def retry(actor, job) -> ReportJob:
    """Try a failed report again."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().get(pk=job.pk)
        if not ReportJob.objects.visible_to(actor).filter(pk=job.pk).exists():
            raise PermissionDenied
        if job.status != JobStatus.FAILED:
            return job
        job.status = JobStatus.QUEUED
        job.error = ""
        job.progress = 0
        job.step = ""
        job.enqueued_at = None
        job.save()
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def sweep(now=None) -> int:
    """Send queued jobs the broker never got (or lost), and take over jobs whose worker died."""
    now = now or timezone.now()
    waiting = ReportJob.objects.filter(status=JobStatus.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - RESEND_AFTER)
    )
    stale = [job for job in ReportJob.objects.filter(status=JobStatus.RUNNING) if job.is_stale(now)]
    if stale:
        ReportJob.objects.filter(pk__in=[job.pk for job in stale]).update(
            status=JobStatus.QUEUED, step="", enqueued_at=None
        )
    ids = list(waiting.values_list("pk", flat=True)) + [job.pk for job in stale]
    return sum(enqueue(job_id) for job_id in dict.fromkeys(ids))


# --- called by the task --------------------------------------------------------------------------


def claim(job_id: int):
    """Mark the job as being built by this worker, or None when there is nothing to do."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        if job.status == JobStatus.RUNNING and not job.is_stale():
            return None
        now = timezone.now()
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.progress = 0
        job.step = ""
        job.save()
        return job


def report_progress(job_id: int, percent: int, step: str = "") -> None:
    """Record how far the build has come; also the worker's sign of life."""
    ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        progress=max(0, min(int(percent), 99)), step=str(step)[:200], heartbeat_at=timezone.now()
    )


def finish(job, content: bytes, file_name: str, version: str) -> ReportJob:
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().get(pk=job.pk)
        job.file.save(file_name, ContentFile(content), save=False)
        job.file_name = file_name
        job.status = JobStatus.DONE
        job.progress = 100
        job.step = ""
        job.error = ""
        job.data_version = version
        job.finished_at = timezone.now()
        job.save()
    return job


def fail(job, message) -> ReportJob:
    ReportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=str(message), finished_at=timezone.now(), step=""
    )
    job.refresh_from_db()
    return job


def requeue(job) -> None:
    """Give the job back after a passing error; the task retries it."""
    ReportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.QUEUED, step=""
    )
