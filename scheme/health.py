"""Health: ``/health/live`` (the process answers; asks nothing else) and ``/health/ready``
(the database, the cache, the Celery broker, file storage, and a worker that took a task in
the last few minutes). Neither needs a login, shows personal data or is cached.

The worker heartbeat: beat queues ``record_worker_heartbeat`` every minute on the default
queue; the worker that runs it writes the time to the cache. Readiness fails when that time
is older than ``WORKER_HEARTBEAT_MAX_AGE`` seconds (or missing), that is when beat, the
broker or the worker of e-mails and reminders has stopped.
"""

import dataclasses
import time

from celery import current_app, shared_task
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from health_check import Cache, Database, HealthCheck, Storage
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

HEARTBEAT_KEY = "portal:worker-heartbeat"


@shared_task
def record_worker_heartbeat() -> None:
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


@dataclasses.dataclass
class Broker(HealthCheck):
    """Celery's broker accepts a connection."""

    def run(self):
        try:
            with current_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=self.timeout.total_seconds())
        except Exception as error:
            raise ServiceUnavailable(f"Broker unavailable: {type(error).__name__}") from error


@dataclasses.dataclass
class WorkerHeartbeat(HealthCheck):
    """A worker ran the heartbeat task beat queues every minute, recently enough."""

    def run(self):
        beat = cache.get(HEARTBEAT_KEY)
        if beat is None:
            raise ServiceUnavailable("No worker heartbeat yet")
        age = time.time() - beat
        if age > settings.WORKER_HEARTBEAT_MAX_AGE:
            raise ServiceUnavailable(f"Last worker heartbeat {age:.0f} seconds ago")


@login_not_required
@never_cache
def live(request):
    return HttpResponse("ok\n", content_type="text/plain")


ready = login_not_required(
    HealthCheckView.as_view(
        checks=(Database, Cache, Broker, (Storage, {"alias": "private"}), WorkerHeartbeat)
    )
)
