"""The states the report templates ask about: a report's state prints the words the PDFs always
printed, and a report job answers for its own status (issue 17)."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from reports.figures.annual import ReportState
from reports.models import JobStatus, ReportJob

PRINTED = {
    ReportState.ON_TIME: "on time",
    ReportState.LATE: "late",
    ReportState.RETURNED: "returned for changes",
    ReportState.MISSING: "missing",
    ReportState.NOT_DUE: "not due yet",
}


@pytest.mark.parametrize("language", ["en", "nb"])
@pytest.mark.parametrize("state", list(ReportState))
def test_a_report_state_prints_the_words_the_pdfs_printed(state, language):
    with translation.override(language):
        assert str(state.label) == gettext(PRINTED[state])


@pytest.mark.parametrize(
    ("status", "queued", "done", "failed"),
    [
        (JobStatus.QUEUED, True, False, False),
        (JobStatus.RUNNING, False, False, False),
        (JobStatus.DONE, False, True, False),
        (JobStatus.FAILED, False, False, True),
    ],
)
def test_a_job_answers_for_its_status(status, queued, done, failed):
    job = ReportJob(status=status)
    assert (job.is_queued, job.is_done, job.is_failed) == (queued, done, failed)
    assert job.is_finished == (done or failed)
