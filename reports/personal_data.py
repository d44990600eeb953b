"""What this app holds about a person (the reports they ordered), for the export of
scheme/personal_data.py, and the retention rule for generated report files."""

from django.db.models import Q

from reports.models import JobStatus, ReportJob
from scheme import registry


def about_person(user) -> registry.DataPart:
    """The orders, not the files: a report holds data about others, and can be ordered again."""
    jobs = ReportJob.objects.filter(ordered_by=user).order_by("created_at", "pk")
    return registry.DataPart(
        "reports",
        {
            "reports_ordered": list(
                jobs.values("kind", "title", "parameters", "status", "created_at", "finished_at")
            )
        },
    )


def remove_report_files(cutoff) -> int:
    """Delete the files of reports made before ``cutoff``; the job rows stay, and their pages
    say the file has expired (``ReportJob.file_expired``). A file whose deletion fails is no
    longer named by any row, so the orphaned-uploads rule removes it the next day."""
    made_before = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    expired = ReportJob.objects.filter(made_before, status=JobStatus.DONE).exclude(file="")
    files = list(expired.values_list("pk", "file"))
    ReportJob.objects.filter(pk__in=[pk for pk, _name in files]).update(file="")
    storage = ReportJob._meta.get_field("file").storage
    for _pk, name in files:
        storage.delete(name)
    return len(files)


def register() -> None:
    registry.register_personal_data(person=about_person)
    registry.register_retention_purge("report_files", remove_report_files)
