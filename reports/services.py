"""Ordering reports and moving their jobs through their life.

A job is saved before anything is sent to a worker, so nothing is lost: if the broker is down
the job waits as "queued" and the periodic sweep sends it when the broker is back; if a worker
dies in the middle, the sweep hands the job to the next worker. The task is idempotent: a job
that is done (or being built by a living worker) is left alone.
"""

import logging

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case, Max, Q, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from kombu.exceptions import OperationalError as BrokerError

from reports.builders import builder_for
from reports.models import RESEND_AFTER, STALE_AFTER, JobStatus, ReportJob
from scheme.file_names import in_reader_language
from scheme.models import Event

log = logging.getLogger(__name__)

GENERIC_ERROR = _(
    "Something went wrong while building the report. Try again; if it fails again, tell "
    "the portal's administrators, who can see what happened."
)


# The builders name their files in English (reports/builders); the download says it in the
# reader's language.
FILE_WORDS = {
    "annual-report": pgettext_lazy("file name", "annual report"),
    "evaluation-summary": pgettext_lazy("file name", "evaluation summary"),
    "evaluation-figures": pgettext_lazy("file name", "evaluation figures"),
    "organisation-report": pgettext_lazy("file name", "organisation report"),
    "award-letter": pgettext_lazy("file name", "award letter"),
    "applications": pgettext_lazy("file name", "applications"),
    "awards": pgettext_lazy("file name", "awards"),
    "accounts": pgettext_lazy("file name", "accounts"),
    "meetings": pgettext_lazy("file name", "meetings"),
    "attendance": pgettext_lazy("file name", "attendance"),
    "archive": pgettext_lazy("file name", "archive"),
}


def download_name(job) -> str:
    """The name the job's file is downloaded with, in the reader's language."""
    return in_reader_language(job.file_name, FILE_WORDS)


def data_version() -> str:
    """The latest recorded changes to the portal's data: every service writes a timeline event
    and the audit log records every model change (the admin's too), so while both numbers stay
    the same, so does the data."""
    logged = LogEntry.objects.aggregate(latest=Max("pk"))["latest"] or 0
    recorded = Event.objects.aggregate(latest=Max("pk"))["latest"] or 0
    return f"{logged}:{recorded}"


def order_report(actor, kind: str, **parameters) -> ReportJob:
    """Order a report. The same report is offered instead when it is built (or being built)
    from the data as it is now, or still waits for a worker: ordering twice, by a double click
    or two tabs, makes one job. One user's orders are taken one at a time (their row is
    locked), so two orders at the same moment cannot both miss the other."""
    builder = builder_for(kind)
    subject = builder.subject_for(actor, parameters)
    if subject is None:
        raise PermissionDenied
    with transaction.atomic():
        list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values("pk"))
        offered = _same_report(actor, kind, parameters)
        if offered is not None:
            return offered
        job = ReportJob.objects.create(
            kind=kind, parameters=parameters, ordered_by=actor, title=builder.title(subject)
        )
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def _same_report(actor, kind: str, parameters: dict):
    """An identical report the actor may see, in their language, that is as good as a new one:
    done (its file still kept) or being built from unchanged data, a finished one first, or not
    started yet."""
    version = data_version()
    as_good = (
        Q(status=JobStatus.QUEUED)
        | Q(status=JobStatus.RUNNING, data_version=version)
        | (Q(status=JobStatus.DONE, data_version=version) & ~Q(file=""))
    )
    return (
        ReportJob.objects.visible_to(actor)
        .filter(kind=kind, parameters=parameters, ordered_by__language=actor.language)
        .filter(as_good)
        .order_by(Case(When(status=JobStatus.DONE, then=0), default=1), "-created_at", "-pk")
        .first()
    )


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
    """Try a failed report again; a report whose file has expired is ordered anew."""
    if job.file_expired:
        return order_report(actor, job.kind, **job.parameters)
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
    """Send queued jobs the broker never got (or lost), and take over jobs whose worker died.

    Returns how many jobs were handed to the broker."""
    now = now or timezone.now()
    with transaction.atomic():
        # Stale in SQL, under lock: a worker that reports in meanwhile keeps its job.
        stale = list(
            ReportJob.objects.select_for_update(skip_locked=True)
            .filter(status=JobStatus.RUNNING)
            .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER))
            .values_list("pk", flat=True)
        )
        if stale:
            log.warning("Report jobs %s: their worker stopped; sent to another", stale)
            ReportJob.objects.filter(pk__in=stale).update(
                status=JobStatus.QUEUED, step="", enqueued_at=None
            )
    waiting = (
        ReportJob.objects.filter(status=JobStatus.QUEUED)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - RESEND_AFTER))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(enqueue(job_id) for job_id in list(waiting))


# --- called by the task --------------------------------------------------------------------------


def claim(job_id: int, resume: int | None = None):
    """Mark the job as being built by this worker, or None when there is nothing to do.

    ``resume`` is the attempt a task had before Celery retried it: a job still running under
    that attempt is the task's own (it could not give the job back while the database was
    away) and is taken up again. The data version is taken now, before any figure is read: a
    change made while the report is built makes it count as older than the data."""
    with transaction.atomic():
        job = (
            ReportJob.objects.select_for_update(of=("self",))
            .select_related("ordered_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.is_finished:
            return None
        its_own = resume is not None and job.attempts == resume
        if job.status == JobStatus.RUNNING and not job.is_stale() and not its_own:
            return None
        now = timezone.now()
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.progress = 0
        job.step = ""
        job.data_version = data_version()
        job.save()
        return job


def report_progress(job_id: int, percent: int, step: str = "", attempt=None) -> bool:
    """Record how far the build has come; also the worker's sign of life. With ``attempt``
    (the job's ``attempts`` when the worker claimed it), only while the job is still that
    worker's: False when another worker has taken it over."""
    jobs = ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING)
    if attempt is not None:
        jobs = jobs.filter(attempts=attempt)
    return bool(
        jobs.update(
            progress=max(0, min(int(percent), 99)),
            step=str(step)[:200],
            heartbeat_at=timezone.now(),
        )
    )


def heartbeat(job_id: int, attempt: int) -> bool:
    """The worker is alive (while one long step runs): False when the job is no longer its."""
    return bool(
        ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt).update(
            heartbeat_at=timezone.now()
        )
    )


def _still_mine(job, current) -> bool:
    """Whether the worker that claimed ``job`` may still finish it: nobody claimed it since
    (the sweep may have given it back to the queue, but no other worker has started it)."""
    return current.attempts == job.attempts and current.status in (
        JobStatus.RUNNING,
        JobStatus.QUEUED,
    )


def finish(job, content: bytes, file_name: str, version: str):
    """Store the file and mark the job done; None (and nothing stored) when another worker
    has taken the job over meanwhile. When the row cannot be saved, the file goes too."""
    stored = None
    try:
        with transaction.atomic():
            current = ReportJob.objects.select_for_update().get(pk=job.pk)
            if not _still_mine(job, current):
                log.warning(
                    "Report job %s was taken over; attempt %s discarded", job.pk, job.attempts
                )
                return None
            current.file.save(file_name, ContentFile(content), save=False)
            stored = current.file.name
            current.file_name = file_name
            current.status = JobStatus.DONE
            current.progress = 100
            current.step = ""
            current.error = ""
            current.data_version = version
            current.finished_at = timezone.now()
            current.heartbeat_at = current.finished_at
            current.save()
    except Exception:
        if stored:
            current.file.storage.delete(stored)
        raise
    return current


def fail(job, message) -> ReportJob:
    """Mark the job failed with a message for the user (unless another worker has it now)."""
    ReportJob.objects.filter(
        pk=job.pk, attempts=job.attempts, status__in=[JobStatus.RUNNING, JobStatus.QUEUED]
    ).update(status=JobStatus.FAILED, error=str(message), finished_at=timezone.now(), step="")
    job.refresh_from_db()
    return job


def requeue(job) -> None:
    """Give the job back after a passing error; the task retries it."""
    ReportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts).update(
        status=JobStatus.QUEUED, step=""
    )
