"""Metrics for Prometheus at ``/metrics``, for a scraper that sends the bearer token in
``METRICS_TOKEN`` (without it the address answers 404).

Requests and latency per view come from django-prometheus's middleware; this module adds the
database queries of every connection, Celery's tasks (counted where they run: a worker shows
them on its own port, ``CELERY_METRICS_PORT``) and the report jobs by status, counted in one
query when scraped. Under gunicorn's several processes, ``PROMETHEUS_MULTIPROC_DIR`` names an
empty folder the processes share, and a scrape sums them.
"""

import hmac
import os
import time

from celery import signals
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.backends.signals import connection_created
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

db_queries = Counter("portal_db_queries_total", "Database queries run", ["alias"])
db_query_errors = Counter("portal_db_query_errors_total", "Database queries that failed", ["alias"])
db_query_seconds = Histogram("portal_db_query_seconds", "Time a database query took", ["alias"])
celery_tasks = Counter(
    "portal_celery_tasks_total", "Celery tasks run, by their end state", ["task", "state"]
)
celery_task_seconds = Histogram(
    "portal_celery_task_seconds",
    "Time a Celery task took",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)


# --- database queries ----------------------------------------------------------------------


def count_queries(execute, sql, params, many, context):
    """A connection's execute wrapper: counts and times every query it runs."""
    alias = context["connection"].alias
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    except Exception:
        db_query_errors.labels(alias).inc()
        raise
    finally:
        db_queries.labels(alias).inc()
        db_query_seconds.labels(alias).observe(time.perf_counter() - started)


def instrument_connection(sender, connection, **kwargs):
    """``connection_created``: every new database connection counts its queries."""
    if count_queries not in connection.execute_wrappers:
        connection.execute_wrappers.append(count_queries)


# --- Celery tasks ----------------------------------------------------------------------------

_task_started: dict[str, float] = {}


def task_started(task_id=None, **kwargs):
    """``task_prerun``."""
    _task_started[task_id] = time.perf_counter()


def task_ended(task_id=None, task=None, state=None, **kwargs):
    """``task_postrun``: the task's end state (SUCCESS, FAILURE, RETRY...) and duration."""
    started = _task_started.pop(task_id, None)
    celery_tasks.labels(task.name, state or "UNKNOWN").inc()
    if started is not None:
        celery_task_seconds.labels(task.name).observe(time.perf_counter() - started)


def serve_worker_metrics(**kwargs):
    """``worker_ready``: a worker shows its tasks' metrics on ``CELERY_METRICS_PORT`` if set
    (reachable only inside the deployment's network; it is never published)."""
    port = getattr(settings, "CELERY_METRICS_PORT", None)
    if port:
        start_http_server(port, registry=process_registry())


def connect_signals():
    connection_created.connect(instrument_connection, dispatch_uid="metrics.db")
    signals.task_prerun.connect(task_started, dispatch_uid="metrics.task_started")
    signals.task_postrun.connect(task_ended, dispatch_uid="metrics.task_ended")
    signals.worker_ready.connect(serve_worker_metrics, dispatch_uid="metrics.worker")


# --- report jobs -----------------------------------------------------------------------------


class ReportJobCollector:
    """Report jobs by status (waiting, being built, ready, failed), counted when scraped."""

    def collect(self):
        from reports.models import JobStatus, ReportJob

        counts = dict(
            ReportJob.objects.order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        gauge = GaugeMetricFamily("portal_report_jobs", "Report jobs by status", labels=["status"])
        for status in JobStatus.values:
            gauge.add_metric([status], counts.get(status, 0))
        yield gauge


report_jobs = CollectorRegistry(auto_describe=False)
report_jobs.register(ReportJobCollector())


# --- the endpoint ----------------------------------------------------------------------------


def process_registry():
    """This process's metrics, or every process's when they share a multiprocess folder."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def authorised(request) -> bool:
    """Whether the request carries the bearer token of ``METRICS_TOKEN`` (never, without one)."""
    token = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return bool(token) and hmac.compare_digest(offered.encode(), token.encode())


@login_not_required
@never_cache
def metrics(request):
    """The metrics in Prometheus's text format, for the scraper only: anyone else gets 404,
    so that the address says nothing about the portal."""
    if not authorised(request):
        raise Http404
    body = generate_latest(process_registry()) + generate_latest(report_jobs)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
