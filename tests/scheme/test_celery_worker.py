import time

from django.db import connection

from scheme.celery import app
from scheme.models import Notification
from scheme.notifications import notify
from tests import factories
from tests.conftest import need_service


def test_a_real_worker_answers_through_redis(celery_worker_process):
    result = app.send_task("scheme.tasks.ping", queue=celery_worker_process)
    # Other tests run tasks in this process, which makes Celery think it is inside a task.
    assert result.get(timeout=60, disable_sync_subtasks=False) == "pong"


def test_a_notification_email_is_sent_by_the_worker_after_commit(
    transactional_db, celery_worker_process
):
    need_service(connection.vendor == "postgresql", "PostgreSQL shared with the worker")
    [notification] = notify([factories.UserFactory()], "Emne", "Tekst")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        if notification.emailed_at:
            break
        time.sleep(0.2)
    assert notification.emailed_at is not None
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
