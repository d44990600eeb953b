import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "x7!Qm2#pL9@vR4$tW8^zK1&nB6*cF3(hJ5)dG0_sY-eU+aO=iT" * 2


def test_suite_runs_on_postgres_when_services_are_required():
    """With REQUIRE_SERVICES=1 the suite must not quietly fall back to SQLite."""
    if REQUIRE_SERVICES:
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _manage(*args, **env):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "EMAIL_URL"
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="tilskudd.imdi.example",
        EMAIL_URL="smtp+tls://portal:secret@smtp.imdi.example:587",
        PORTAL_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage("check", DJANGO_DEBUG="0", PORTAL_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_print_emails_to_the_log(tmp_path):
    result = _manage(
        "check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=SECRET_KEY, PORTAL_VAR_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "Set EMAIL_URL to a real mail server" in result.stderr
    debugging = _manage("check", DJANGO_DEBUG="1", PORTAL_VAR_DIR=str(tmp_path))
    assert debugging.returncode == 0, debugging.stderr


def test_behind_a_proxy_the_client_is_the_last_forwarded_address(tmp_path):
    show = [
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.PROXY_COUNT)",
    ]
    direct = _manage(*show, DJANGO_DEBUG="1", PORTAL_VAR_DIR=str(tmp_path))
    proxied = _manage(
        *show, DJANGO_DEBUG="1", DJANGO_BEHIND_PROXY="1", PORTAL_VAR_DIR=str(tmp_path)
    )
    assert (direct.stdout.strip(), proxied.stdout.strip()) == ("0", "1"), proxied.stderr


def test_celery_uses_redis_when_the_broker_url_says_so(tmp_path):
    code = (
        "import django; django.setup();"
        "from scheme.celery import app;"
        "print(app.connection_for_write().transport_cls)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "PORTAL_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "redis" in result.stdout
