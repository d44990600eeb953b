"""Nothing is lost, with a real worker and Redis: a job goes queued, running, done in another
process; a worker killed in the middle leaves its job to the next worker; a report ordered
while the broker is down is saved and built once the broker is back and the sweep has run.

These need PostgreSQL (the worker shares the test database, so the tests commit) and Redis
(``DATABASE_URL``, ``CELERY_BROKER_URL``); they are skipped without them, and fail under
``REQUIRE_SERVICES=1``. The worker imports the test-only slow report kind with ``--include``.
"""

import datetime
import os
import shutil
import signal
import subprocess
import time
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import STALE_AFTER, JobStatus, ReportJob
from tests import factories
from tests.conftest import need_service
from tests.reports import slow_builder
from tests.reports.conftest import report_files

pytestmark = pytest.mark.services

SLOW = ["tests.reports.slow_builder"]


def wait_for(condition, timeout=60.0, every=0.05, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def job_state(job_id):
    return ReportJob.objects.values_list("status", "progress").get(pk=job_id)


def test_a_worker_builds_an_ordered_report_queued_running_done(
    postgres_shared, celery_workers, caseworker
):
    celery_workers.start(include=SLOW)
    job = services.order_report(caseworker, slow_builder.KIND, steps=10, delay=0.15, label="a")
    seen = [job_state(job.pk)]
    assert seen[0] == (JobStatus.QUEUED, 0)

    def finished():
        state = job_state(job.pk)
        if state != seen[-1]:
            seen.append(state)
        return state[0] in (JobStatus.DONE, JobStatus.FAILED)

    wait_for(finished, what="the job to finish")
    statuses = list(dict.fromkeys(status for status, _ in seen))
    assert statuses == [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE], seen
    running = [percent for status, percent in seen if status == JobStatus.RUNNING]
    assert running == sorted(running) and len(set(running)) > 2, seen  # the bar moves
    job.refresh_from_db()
    assert (job.progress, job.attempts, job.error) == (100, 1, "")
    assert job.enqueued_at is not None
    assert job.file.read() == b"slow report, 10 steps, label a\n"
    assert len(report_files()) == 1


def test_a_worker_killed_in_the_middle_leaves_the_job_to_the_next_worker(
    postgres_shared, celery_workers, caseworker
):
    first = celery_workers.start(include=SLOW)
    job = services.order_report(caseworker, slow_builder.KIND, steps=30, delay=0.15, label="k")
    wait_for(
        lambda: job_state(job.pk)[0] == JobStatus.RUNNING and job_state(job.pk)[1] >= 20,
        what="the first worker to be a fifth of the way",
    )
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    time.sleep(0.5)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # as the dead worker left it
    assert 20 <= job.progress < 100
    assert report_files() == []

    celery_workers.start(include=SLOW)
    # Beat's sweep, once the dead worker has been silent for STALE_AFTER (instead of waiting
    # those two minutes, the sweep is told the time they would be over).
    later = timezone.now() + STALE_AFTER + datetime.timedelta(seconds=1)
    assert services.sweep(now=later) == 1
    wait_for(lambda: job_state(job.pk)[0] == JobStatus.DONE, what="the next worker to finish")

    job.refresh_from_db()
    assert job.attempts == 2
    assert job.file.read() == b"slow report, 30 steps, label k\n"
    assert len(report_files()) == 1  # exactly one file: the dead worker stored nothing
    assert services.sweep() == 0  # nothing left to do


# --- the broker down around an order ---------------------------------------------------------


class LocalRedis:
    """The Redis server the broker URL names, stopped and started again as it was."""

    KEYS = ("port", "bind", "dir", "logfile", "pidfile", "save", "appendonly")

    def __init__(self, url):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 6379
        self.client = redis.Redis(host=self.host, port=self.port, socket_timeout=2)
        self.config = self.client.config_get("*")

    def command(self) -> list[str]:
        config = self.config
        command = ["redis-server", "--daemonize", "yes", "--port", str(config["port"])]
        command += ["--bind", *config["bind"].split()]
        command += ["--save", config.get("save", ""), "--appendonly", config["appendonly"]]
        command += ["--dir", config["dir"]]
        for key in ("logfile", "pidfile"):
            if config.get(key):
                command += [f"--{key}", config[key]]
        return command

    def answers(self) -> bool:
        try:
            return self.client.ping()
        except redis.RedisError:
            return False

    def stop(self):
        subprocess.run(
            ["redis-cli", "-h", self.host, "-p", str(self.port), "shutdown", "nosave"],
            check=False,
            capture_output=True,
        )
        wait_for(lambda: not self.answers(), timeout=10, what="Redis to stop")

    def start(self):
        if not self.answers():
            subprocess.run(self.command(), check=True, capture_output=True)
        wait_for(self.answers, timeout=30, every=0.1, what="Redis to answer PONG")


@pytest.fixture
def local_redis(celery_workers):
    url = settings.CELERY_BROKER_URL
    host = urlsplit(url).hostname
    need_service(
        host in ("127.0.0.1", "localhost", "::1")
        and shutil.which("redis-server") is not None
        and shutil.which("redis-cli") is not None,
        "a local Redis server this test may stop and start (redis-server, redis-cli)",
    )
    server = LocalRedis(url)
    try:
        yield server
    finally:
        server.start()  # always: other tests and processes need it


def test_a_report_ordered_while_the_broker_is_down_is_built_once_it_is_back(
    postgres_shared, celery_workers, local_redis, client, caseworker
):
    # Exports cover the schemes the caseworker's body runs: it runs one.
    factories.SchemeFactory(administrator=caseworker.memberships.get().organisation)
    celery_workers.start()
    celery_workers.wait_ready()
    client.force_login(caseworker)

    local_redis.stop()
    started = time.monotonic()
    response = client.post(reverse("reports:order", args=["csv_applications"]))
    took = time.monotonic() - started
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert (job.status, job.enqueued_at, job.attempts) == (JobStatus.QUEUED, None, 0)
    assert took < 15, f"the order took {took:.1f} s with the broker down"
    page = client.get(response["Location"])
    assert 'hx-get="{}"'.format(reverse("reports:status", args=[job.pk])) in page.content.decode()

    local_redis.start()

    # Beat runs the sweep every minute; here it is run until it has handed the job over.
    wait_for(services.sweep, timeout=30, every=1, what="the sweep to reach the broker")
    job.refresh_from_db()
    assert job.enqueued_at is not None
    wait_for(lambda: job_state(job.pk)[0] == JobStatus.DONE, what="the worker to build it")

    download = client.get(reverse("reports:download", args=[job.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for spreadsheets
    assert ";" in content.decode("utf-8-sig").splitlines()[0]  # the header row
    assert len(report_files()) == 1
