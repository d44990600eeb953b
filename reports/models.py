"""The record of every report the portal builds: what was asked for, by whom, how far the
work has come, the file, or a readable error. The row is the source of truth; the Celery task
only does the work it describes."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import Membership
from scheme.roles import access_for
from scheme.storage import PrivatePath, private_storage

# A running job whose worker has not reported for this long is taken over by the sweep.
STALE_AFTER = datetime.timedelta(minutes=2)
# A job not finished this long after it was ordered tells the user it takes longer than usual.
SLOW_AFTER = datetime.timedelta(seconds=30)
# A queued job the broker has not handed to a worker for this long is sent again.
RESEND_AFTER = datetime.timedelta(minutes=10)


class ReportKind(models.TextChoices):
    ANNUAL = "annual", _("annual grant report")
    EVALUATION = "evaluation", _("evaluation summary")
    EVALUATION_CSV = "evaluation_csv", _("evaluation figures (CSV files in a ZIP)")
    ORGANISATION = "organisation", _("organisation report")
    AWARD_LETTER = "award_letter", _("award letter")
    CSV_APPLICATIONS = "csv_applications", _("applications (CSV)")
    CSV_AWARDS = "csv_awards", _("awards (CSV)")
    CSV_ACCOUNTS = "csv_accounts", _("accounts lines (CSV)")
    CSV_MEETINGS = "csv_meetings", _("mentor meetings (CSV)")
    CSV_ATTENDANCE = "csv_attendance", _("attendance (CSV)")
    ARCHIVE_CASE = "archive_case", _("archive package of a case")
    ARCHIVE_PERIOD = "archive_period", _("archive package of the cases closed in a period")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("being built")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


class ReportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins see every job; caseworkers the jobs they and their colleagues at the same
        administering body ordered; everyone else the jobs they ordered."""
        access = access_for(user)
        if access.is_admin:
            return self
        if not user.is_authenticated:
            return self.none()
        if access.administering_ids:
            colleagues = Membership.objects.filter(
                organisation_id__in=access.administering_ids
            ).values("user_id")
            return self.filter(Q(ordered_by=user) | Q(ordered_by__in=colleagues))
        return self.filter(ordered_by=user)


class ReportJob(models.Model):
    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    parameters = models.JSONField(_("parameters"), default=dict)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_jobs"
    )
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("what is being done"), max_length=200, blank=True)
    file = models.FileField(
        _("file"), upload_to=PrivatePath("reports"), storage=private_storage, blank=True
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("what went wrong"), blank=True)
    data_version = models.CharField(
        _("data version"),
        max_length=40,
        blank=True,
        help_text=_("The last recorded changes to the data when the report was built."),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("ordered"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("sent to a worker"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "enqueued_at"]),
            models.Index(fields=["kind", "status", "data_version"]),
            models.Index(fields=["ordered_by", "-created_at"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_queued(self) -> bool:
        return self.status == JobStatus.QUEUED

    @property
    def is_done(self) -> bool:
        return self.status == JobStatus.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == JobStatus.FAILED

    @property
    def is_finished(self) -> bool:
        return self.is_done or self.is_failed

    @property
    def file_expired(self) -> bool:
        """Made, but its file was deleted under the retention rules (scheme/retention.py)."""
        return self.is_done and not self.file

    @property
    def is_slow(self) -> bool:
        """Still waiting half a minute after it was ordered (no worker free, or a big report)."""
        return not self.is_finished and timezone.now() - self.created_at > SLOW_AFTER

    def is_stale(self, now=None) -> bool:
        """Running, but no sign of life from its worker for a while (the worker died)."""
        now = now or timezone.now()
        return self.status == JobStatus.RUNNING and (
            self.heartbeat_at is None or now - self.heartbeat_at > STALE_AFTER
        )
