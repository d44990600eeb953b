"""Shared fixtures. Tests create state through the services, as users do."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# The fixtures that start or reach a service outside the test process: PostgreSQL, Redis, a
# Celery worker, Chromium (tests/e2e), the ID-porten stand-in (tests/oidc_provider) and the S3
# API server (tests/storage). A test that uses one, directly or through another fixture, is
# marked ``services``.
SERVICE_FIXTURES = {
    "postgres",
    "postgres_shared",
    "celery_workers",
    "celery_worker_process",
    "local_redis",
    "browser",
    "provider",
    "s3_server",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if SERVICE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)


def need_service(available: bool, what: str):
    """Skip when a service is missing, or fail when the run requires every service."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} is not available")


@pytest.fixture
def postgres(db):
    need_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def _no_console_output(capsys):
    """A test that prints fails: what a test wants to say belongs in an assertion's message,
    and the portal logs through ``logging``. Management commands are called with
    ``stdout=StringIO()``."""
    yield
    out, err = capsys.readouterr()
    if out or err:
        pytest.fail(
            f"The test wrote to the console:\nstdout: {out!r}\nstderr: {err!r}", pytrace=False
        )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Each test stores files in a folder of its own: rules such as the orphaned uploads' purge
    would otherwise delete the demo's and the benchmark's files under var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (ids are reused between tests)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Celery tasks enqueued by services run at once in the test process.

    The tests that need a real worker (tests/scheme/test_celery_worker.py) start one.
    """
    from celery._state import _set_task_join_will_block

    from scheme.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    # An eager task marks the process "inside a task" while it runs and restores the mark
    # afterwards; tasks run from several threads at once (the concurrency tests) can restore
    # it in the wrong order and leave it set, so that a later ``result.get()`` refuses.
    _set_task_join_will_block(False)
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def caseworker(db):
    return factories.caseworker()


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def participant(db):
    return factories.OrganisationFactory(kind="participant")


@pytest.fixture
def member(participant):
    return factories.member_of(participant)


@pytest.fixture
def other_participant(db):
    return factories.OrganisationFactory(kind="participant")


@pytest.fixture
def other_member(other_participant):
    return factories.member_of(other_participant)


@pytest.fixture
def mentor(db):
    return factories.member_of(factories.OrganisationFactory(kind="mentor"))


@pytest.fixture
def evaluator(db):
    return factories.member_of(factories.OrganisationFactory(kind="evaluator"))


@pytest.fixture
def scheme_year(db):
    return factories.SchemeYearFactory()


def redis_broker_available() -> bool:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return False
    import redis

    try:
        return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
    except redis.RedisError:
        return False


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class CeleryWorkers:
    """Starts real Celery workers in their own processes, on one queue of their own, against
    Redis; every worker still running is stopped when the test ends."""

    def __init__(self, queue):
        self.queue = queue
        self.processes = []

    def start(self, include=(), env=None) -> subprocess.Popen:
        """Start a worker. ``include``: extra modules it imports at start (``--include``), such
        as test-only report kinds; ``env``: extra environment variables. It stores files in
        this test's MEDIA_ROOT."""
        environment = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **(env or {}),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "scheme", "worker", "--pool=solo",
            "--loglevel=warning", "--without-gossip", "--without-mingle", "-Q", self.queue,
        ]  # fmt: skip
        if include:
            command += ["--include", ",".join(include)]
        worker = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1], env=environment)
        self.processes.append(worker)
        return worker

    def wait_ready(self, timeout=60) -> None:
        """Wait until a worker on the queue answers a ping through the broker."""
        from scheme.celery import app

        result = app.send_task("scheme.tasks.ping", queue=self.queue)
        # Other tests run tasks in this process, which makes Celery think it is inside a task.
        assert result.get(timeout=timeout, disable_sync_subtasks=False) == "pong"

    def stop_all(self) -> None:
        for worker in self.processes:
            if worker.poll() is None:
                worker.terminate()
        for worker in self.processes:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


@pytest.fixture
def celery_workers():
    """Real Celery workers on a queue of their own, started with ``celery_workers.start()``;
    every task is routed to that queue (report builds too, which production sends to the
    reports queue) so that tasks the services enqueue reach them. The
    workers use the test database, so tests that need it should use ``transactional_db`` (a
    worker cannot see uncommitted rows)."""
    from scheme.celery import app

    need_service(redis_broker_available(), "Redis as the Celery broker (set CELERY_BROKER_URL)")
    workers = CeleryWorkers(f"test-{uuid.uuid4().hex[:8]}")
    default_queue, routes = app.conf.task_default_queue, app.conf.task_routes
    app.conf.task_always_eager = False
    # update(), not assignment: it makes Celery's router read the routes again.
    app.conf.update(task_default_queue=workers.queue, task_routes={"*": {"queue": workers.queue}})
    try:
        yield workers
    finally:
        app.conf.update(task_default_queue=default_queue, task_routes=routes)
        workers.stop_all()


@pytest.fixture
def celery_worker_process(celery_workers):
    """One real Celery worker in its own process, on its own queue, against Redis.

    Yields the queue name, which is also made the default queue so that tasks the services
    enqueue reach this worker. The worker uses the test database, so tests that need it should
    use ``transactional_db`` (the worker cannot see uncommitted rows).
    """
    celery_workers.start()
    return celery_workers.queue
