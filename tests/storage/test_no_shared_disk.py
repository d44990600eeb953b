"""No shared disk: two web processes (gunicorn) and a Celery worker, each with a MEDIA_ROOT of
its own that stays empty, share only PostgreSQL, Redis and the S3 API server. A file uploaded
through one web process is downloaded through the other; a report ordered through one is built
by the worker and downloaded through both.

The processes use the test database, so the test commits (``postgres_shared``).
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse

from grants import services
from grants.models import Attachment, AttachmentKind
from reports.models import JobStatus, ReportJob, ReportKind
from tests.conftest import CeleryWorkers, _database_url
from tests.grants.conftest import PDF
from tests.storage.conftest import ROOT, free_port, hidden_value, stop, wait_until_answering


class Processes:
    """Web processes and a report worker, each with an empty MEDIA_ROOT of its own, against
    the test database, Redis and the bucket."""

    def __init__(self, folder, store):
        self.folder, self.store = folder, store
        self.webs, self.media_roots = [], []
        self.workers = CeleryWorkers(settings.REPORTS_QUEUE)

    def environment(self, name) -> dict:
        media = self.folder / name / "media"
        self.media_roots.append(media)
        return {
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "PORTAL_VAR_DIR": str(self.folder / name),
            "DJANGO_MEDIA_ROOT": str(media),
            **self.store.env,
        }

    def start_web(self, name) -> str:
        """A gunicorn process serving the portal; its address."""
        host = f"127.0.0.1:{free_port()}"
        web = subprocess.Popen(
            [Path(sys.executable).parent / "gunicorn", "scheme.wsgi", "--bind", host,
             "--workers", "1", "--log-level", "warning"],
            cwd=ROOT,
            env={**os.environ, **self.environment(name)},
        )  # fmt: skip
        self.webs.append(web)
        wait_until_answering(f"http://{host}/health/live", web)
        return f"http://{host}"

    def start_worker(self) -> None:
        self.workers.start(env=self.environment("worker"))
        self.workers.wait_ready()

    def stop_all(self) -> None:
        self.workers.stop_all()
        for web in self.webs:
            stop(web)


@pytest.fixture
def processes(tmp_path, object_store):
    from scheme.celery import app

    app.conf.task_always_eager = False  # the worker answers pings (set again by each test)
    started = Processes(tmp_path, object_store)
    try:
        yield started
    finally:
        started.stop_all()
    for media in started.media_roots:
        assert not media.exists(), f"a process wrote to its own disk: {media}"


class Browser:
    """A logged-in browser's session, sent to any of the web processes."""

    def __init__(self, user):
        client = Client()
        client.force_login(user)  # a session row in the shared database
        self.http = requests.Session()
        self.http.cookies.set(
            settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
        )

    def get(self, address, path):
        return self.http.get(address + path, allow_redirects=False, timeout=60)

    def send_form(self, address, page, action, data, files=None):
        """Post the form on ``page`` as a browser would, with its CSRF token and cookie."""
        shown = self.get(address, page)
        assert shown.status_code == 200, (page, shown.status_code)
        data = {"csrfmiddlewaretoken": hidden_value(shown.text, "csrfmiddlewaretoken"), **data}
        return self.http.post(
            address + action,
            data=data,
            files=files,
            headers={"Referer": urljoin(address, page)},
            allow_redirects=False,
            timeout=60,
        )


def wait_for_job(pk, timeout=120.0) -> ReportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ReportJob.objects.get(pk=pk)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job
        time.sleep(0.2)
    raise AssertionError(f"the report job {pk} was not built in {timeout} s")


def test_two_web_processes_and_a_worker_share_files_through_the_object_store_only(
    postgres_shared, processes, object_store, member, call, participant
):
    web1, web2 = processes.start_web("web1"), processes.start_web("web2")
    processes.start_worker()
    browser = Browser(member)

    draft = services.start_application(member, call, participant)
    page = reverse("grants:application_edit", args=[draft.pk, "documents"])
    shown = browser.get(web1, page)
    sent = browser.send_form(
        web1,
        page,
        page,
        {"kind": AttachmentKind.STATUTES, "form_token": hidden_value(shown.text, "form_token")},
        files={"file": ("vedtekter.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 302, sent.text[:2000]
    attachment = Attachment.objects.get(application=draft)
    assert object_store.keys("applications/") == [attachment.file.name]
    download = browser.get(web2, reverse("grants:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert download.content == PDF

    ordered = browser.send_form(
        web1,
        reverse("reports:list"),
        reverse("reports:order", args=[ReportKind.ORGANISATION]),
        {"organisation-organisation": participant.pk},
    )
    assert ordered.status_code == 302, ordered.text[:2000]
    job_id = int(re.search(r"/jobs/(\d+)/", ordered.headers["Location"]).group(1))
    job = wait_for_job(job_id)
    assert job.status == JobStatus.DONE, job.error
    assert object_store.keys("reports/") == [job.file.name]
    for web in (web2, web1):
        report = browser.get(web, reverse("reports:download", args=[job.pk]))
        assert report.status_code == 200
        assert report.content.startswith(b"%PDF-")
