"""Operations: health and readiness, metrics for Prometheus and who may read them, request ids
in JSON logs and into Celery tasks, and the report queue."""

import json
import logging
import re
import sys
import time

import pytest
from celery import signals
from django.core.cache import cache
from django.core.signals import request_finished
from django.http import HttpResponse
from django.urls import reverse

from reports.models import JobStatus, ReportJob
from scheme import health, logs, metrics
from scheme.celery import app
from scheme.tasks import ping

TOKEN = "scrape-token-0123456789"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def never_cached(response) -> bool:
    return "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


# --- health ---------------------------------------------------------------------------------


def test_live_answers_without_a_login_and_is_never_cached(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert never_cached(response)


def test_ready_checks_every_dependency_without_a_login(db, client):
    health.record_worker_heartbeat.delay()  # what the worker does every minute
    response = client.get(reverse("health_ready"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    checks = response.json()
    assert set(checks.values()) == {"OK"}
    assert {name.split("(")[0] for name in checks} == {
        "Database",
        "Cache",
        "Broker",
        "Storage",
        "WorkerHeartbeat",
    }
    assert never_cached(response)


@pytest.mark.parametrize("age", [None, 10 * 60])
def test_ready_fails_without_a_recent_worker_heartbeat(db, client, age):
    if age is not None:
        cache.set(health.HEARTBEAT_KEY, time.time() - age, timeout=None)
    response = client.get(reverse("health_ready"), HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    failing = {name for name, state in response.json().items() if state != "OK"}
    assert failing == {"WorkerHeartbeat()"}


def test_ready_fails_when_the_broker_is_away(db, client, monkeypatch):
    health.record_worker_heartbeat.delay()
    for setting in ("broker_url", "broker_write_url"):
        monkeypatch.setattr(app.conf, setting, "redis://127.0.0.1:9/0")  # nothing listens there
    response = client.get(reverse("health_ready"), HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    assert "Broker unavailable" in response.json()["Broker()"]


# --- metrics --------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}"])
def test_metrics_are_refused_without_the_token(db, client, metrics_token, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get("/metrics", **headers)
    assert response.status_code == 404
    assert b"portal_" not in response.content


def test_metrics_are_off_when_no_token_is_set(db, client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus's text format (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        found_name, _, found_labels = metric.partition("{")
        if found_name == name and ",".join(sorted(found_labels.rstrip("}").split(","))) == wanted:
            return float(value)
    return 0.0


def scrape(client, token) -> str:
    response = client.get("/metrics", **token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert never_cached(response)
    return response.content.decode()


def test_metrics_count_requests_per_view_and_database_queries(db, client, metrics_token):
    before = scrape(client, metrics_token)
    client.get("/health/live")
    client.get("/health/live")
    after = scrape(client, metrics_token)

    requests = "django_http_requests_total_by_view_transport_method_total"
    labels = {"view": "health_live", "transport": "http", "method": "GET"}
    assert sample(after, requests, **labels) - sample(before, requests, **labels) == 2
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in after
    assert sample(after, "portal_db_queries_total", alias="default") > sample(
        before, "portal_db_queries_total", alias="default"
    )


def test_metrics_count_celery_tasks_and_their_durations(db, client, metrics_token):
    name = "scheme.tasks.ping"
    before = scrape(client, metrics_token)
    ping.delay()
    after = scrape(client, metrics_token)
    done = {"task": name, "state": "SUCCESS"}
    assert (
        sample(after, "portal_celery_tasks_total", **done)
        == sample(before, "portal_celery_tasks_total", **done) + 1
    )
    assert sample(after, "portal_celery_task_seconds_count", task=name) >= 1


def test_metrics_count_report_jobs_by_status_in_one_query(
    db, client, metrics_token, caseworker, django_assert_num_queries
):
    for status in (JobStatus.QUEUED, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED):
        ReportJob.objects.create(kind="test", ordered_by=caseworker, status=status)
    with django_assert_num_queries(1):
        [family] = metrics.ReportJobCollector().collect()
    assert {s.labels["status"]: s.value for s in family.samples} == {
        "queued": 2,
        "running": 1,
        "done": 0,
        "failed": 1,
    }
    text = scrape(client, metrics_token)
    assert sample(text, "portal_report_jobs", status="queued") == 2


# --- logs -----------------------------------------------------------------------------------


def test_a_well_formed_request_id_is_kept_and_echoed(client):
    incoming = "3f2b8c1e-9a7d-4e2f-8b1c-0d9e8f7a6b5c"
    response = client.get("/health/live", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", [None, "", "short", "a b c d e f g h", "x" * 200, "<id>é1234"])
def test_a_missing_or_malformed_request_id_is_replaced(client, incoming):
    headers = {"HTTP_X_REQUEST_ID": incoming} if incoming is not None else {}
    response = client.get("/health/live", **headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.fixture
def log(caplog):
    """The records logged, tagged with the request id as the portal's log handler does."""
    caplog.handler.addFilter(logs.RequestIdFilter())
    caplog.set_level(logging.INFO)
    return caplog


def json_lines(records) -> list[dict]:
    return [json.loads(logs.JsonFormatter().format(record)) for record in records]


def test_the_request_log_line_says_what_was_asked_and_by_whom_without_personal_data(
    client, member, log
):
    member.email, member.first_name, member.last_name = "kari@example.no", "Kari", "Nordmann"
    member.save()
    client.force_login(member)
    response = client.get("/dashboard/?q=kari@example.no", HTTP_X_REQUEST_ID="req-12345678")
    assert response.status_code == 200
    [line] = json_lines(r for r in log.records if r.name == "scheme.requests")
    assert line | {"time": None, "duration_ms": None} == {
        "time": None,
        "level": "INFO",
        "logger": "scheme.requests",
        "message": "GET /dashboard/ 200",
        "request_id": "req-12345678",
        "method": "GET",
        "path": "/dashboard/",
        "status": 200,
        "duration_ms": None,
        "view": "dashboard",
        "user_id": member.pk,
    }
    written = json.dumps(line)
    assert "kari" not in written.lower() and "Nordmann" not in written


def test_every_record_while_a_request_runs_has_its_request_id_until_it_ends(db, rf, log):
    def view(request):
        logging.getLogger("scheme.anything").warning("Something happened")
        return HttpResponse(status=500)

    request = rf.get("/anything", HTTP_X_REQUEST_ID="req-abcdefgh")
    response = logs.RequestLogMiddleware(view)(request)
    logging.getLogger("django.request").error("Internal Server Error: /anything")
    request_finished.send(sender=None)
    logging.getLogger("scheme.anything").info("Between requests")

    assert response["X-Request-ID"] == "req-abcdefgh"
    assert [(line["logger"], line["request_id"]) for line in json_lines(log.records)] == [
        ("scheme.anything", "req-abcdefgh"),
        ("scheme.requests", "req-abcdefgh"),
        ("django.request", "req-abcdefgh"),
        ("scheme.anything", "-"),
    ]


def test_the_request_id_travels_with_a_queued_task_into_its_logs(log):
    headers = {}
    token = logs.request_id.set("req-from-web-1")
    try:
        signals.before_task_publish.send(sender="scheme.tasks.ping", headers=headers, body=())
    finally:
        logs.request_id.reset(token)
    assert headers[logs.TASK_HEADER] == "req-from-web-1"

    # The worker: the message's headers become the task's request.
    task = app.tasks["scheme.tasks.ping"]
    task.push_request(id="t1", **headers)
    try:
        signals.task_prerun.send(sender=task, task_id="t1", task=task, args=(), kwargs={})
        logging.getLogger("reports.tasks").info("Built")
        assert json_lines(log.records)[-1]["request_id"] == "req-from-web-1"
        signals.task_postrun.send(sender=task, task_id="t1", task=task, state="SUCCESS")
    finally:
        task.pop_request()
    assert logs.request_id.get() is None


def test_the_json_formatter_blanks_out_addresses_and_identity_numbers(log):
    logging.getLogger("x").error(
        "Key (email)=(kari.nordmann+1@example.no) exists; pid %s, org %s",
        "01019012345",
        "923609016",
    )
    [line] = json_lines(log.records)
    assert line["message"] == "Key (email)=([redacted]) exists; pid [redacted], org 923609016"


def test_the_json_formatter_writes_an_exception_on_the_same_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "Failed", (), sys.exc_info()
        )
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


# --- queues ---------------------------------------------------------------------------------


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_report_builds_go_to_the_reports_queue_and_everything_else_to_the_default_one():
    assert queue_of("reports.tasks.build_report") == "reports"
    for task in (
        "scheme.tasks.send_notification_email",
        "grants.tasks.send_report_reminders",
        "reports.tasks.sweep_report_jobs",
        "scheme.health.record_worker_heartbeat",
    ):
        assert queue_of(task) == "default", task
