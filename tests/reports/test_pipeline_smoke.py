from reports import services
from reports.models import JobStatus
from reports.tasks import build_report


def test_a_csv_export_is_built_in_process(
    caseworker, participant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.order_report(caseworker, "csv_applications")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    content = job.file.read()
    assert content.startswith(b"\xef\xbb\xbf")
    again = services.order_report(caseworker, "csv_applications")
    assert again.pk == job.pk  # unchanged data: the same file is offered
    build_report(job.pk)  # running twice changes nothing
