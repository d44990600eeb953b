"""A task for tests/scheme/test_operations_worker.py only; a real worker imports it when
started with ``--include tests.scheme.operations_tasks``."""

from celery import shared_task

from scheme import logs


@shared_task(ignore_result=False)
def current_request_id() -> str | None:
    """The request id the task runs under, as its log records get it."""
    return logs.request_id.get()
