"""With a real worker and Redis: the request id of the code that queued a task is the task's."""

from scheme import logs
from tests.scheme import operations_tasks

TASKS = ["tests.scheme.operations_tasks"]


def test_a_task_runs_under_the_request_id_it_was_queued_with(celery_workers):
    celery_workers.start(include=TASKS)
    celery_workers.wait_ready()
    token = logs.request_id.set("req-into-the-worker")
    try:
        result = operations_tasks.current_request_id.delay()
    finally:
        logs.request_id.reset(token)
    # Other tests run tasks in this process, which makes Celery think it is inside a task.
    assert result.get(timeout=60, disable_sync_subtasks=False) == "req-into-the-worker"

    untagged = operations_tasks.current_request_id.delay()
    assert untagged.get(timeout=60, disable_sync_subtasks=False) is None
