"""Fixtures for the report pipeline: private files in a temporary folder, and a report kind
whose build a test scripts (fail with this, then succeed, ...)."""

from pathlib import Path

import pytest
from django.db import connection

from reports import builders
from reports.builders import Builder
from reports.models import ReportKind

SCRIPTED = "test_scripted"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def report_files() -> list[Path]:
    """Every file the report jobs stored."""
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT) / "reports"
    return sorted(path for path in root.rglob("*") if path.is_file())


class Script:
    """A builder whose calls a test scripts: ``script.effects`` are used one per build, each an
    exception to raise or None to succeed; afterwards every build succeeds. Each build reports
    progress at 10, 50 and 90 % and records what the job's row said at each report."""

    def __init__(self):
        self.effects = []
        self.calls = 0
        self.seen = []  # (status, progress) of the job as each progress report left it
        self.job_id = None
        self.during = None  # called in the middle of the build

    def build(self, subject, parameters, progress):
        from reports.models import ReportJob

        self.calls += 1
        effect = self.effects.pop(0) if self.effects else None
        for percent in (10, 50, 90):
            progress(percent, f"at {percent}")
            if self.job_id is not None:
                job = ReportJob.objects.get(pk=self.job_id)
                self.seen.append((job.status, job.progress))
            if percent == 50 and self.during is not None:
                self.during()
        if effect is not None:
            raise effect
        return f"built {self.calls} {parameters}".encode(), "scripted.txt"


@pytest.fixture
def script(monkeypatch):
    """Registers the scripted kind for the test (and removes it after)."""
    script = Script()
    monkeypatch.setitem(
        builders._builders,
        SCRIPTED,
        Builder(
            SCRIPTED,
            title=lambda subject: "Scripted report",
            allowed=lambda user, subject, parameters: user.is_authenticated,
            build=script.build,
        ),
    )
    return script


@pytest.fixture
def sent(monkeypatch):
    """Keep the tasks the services send instead of running them: the list of job ids."""
    from reports.tasks import build_report

    ids = []
    monkeypatch.setattr(
        build_report, "apply_async", lambda args, **options: ids.append(args[0]), raising=False
    )
    return ids


@pytest.fixture
def every_kind_registered(monkeypatch):
    """The order forms are offered only for kinds with a builder: register a stand-in for each
    kind of report whose builder is not there (yet), so the forms can be tested alone."""
    for kind in ReportKind.values:
        if kind not in builders.registered_kinds():
            monkeypatch.setitem(
                builders._builders,
                kind,
                Builder(
                    kind,
                    title=lambda subject, kind=kind: f"Stand-in {kind}",
                    allowed=lambda user, subject, parameters: True,
                    build=lambda subject, parameters, progress: (b"stand-in", "stand-in.txt"),
                ),
            )


@pytest.fixture
def postgres_shared(transactional_db):
    """PostgreSQL that another process (a worker) can share: committed rows, no SQLite."""
    from tests.conftest import need_service

    need_service(connection.vendor == "postgresql", "PostgreSQL shared with the worker")
