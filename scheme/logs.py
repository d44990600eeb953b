"""Logs: one JSON object a line in production, with the request id of the request (or of the
request that queued the Celery task) on every record.

No personal data: the request line has the method, the path without its query string, the
status, the duration, the view's name, the request id and at most the user's id; the formatter
writes a record's message and these fields, never the request or its user, and blanks out
what looks like an e-mail address or a national identity number in a message or traceback
(a database error quoting a row, say).
"""

import contextvars
import datetime
import json
import logging
import re
import time
import uuid

from celery import signals
from django.core.signals import request_finished
from django.utils.functional import empty

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept when it is one a proxy or load balancer would make (a UUID, a hex
# string): letters, digits and a few separators, 8 to 128 of them. Anything else is replaced.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# The message header a queued task carries it in (see carry_request_id).
TASK_HEADER = "request_id"

request_id = contextvars.ContextVar("request_id", default=None)
requests_log = logging.getLogger("scheme.requests")

# What is blanked out of messages and tracebacks: e-mail addresses, and eleven digits standing
# alone (a national identity number, fødselsnummer or D-number).
PERSONAL_DATA = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<!\d)\d{6}\s?\d{5}(?!\d)")

# The fields of a record the JSON formatter writes besides the message (the request line's
# and the task's); anything else given as ``extra`` is left out.
RECORD_FIELDS = ("method", "path", "status", "duration_ms", "view", "user_id", "task", "task_id")


def request_id_from(header: str | None) -> str:
    """The incoming request id when it is well-formed, else a new one."""
    if header and WELL_FORMED_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def redact(text: str) -> str:
    return PERSONAL_DATA.sub("[redacted]", text)


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or "-") on every record, for the formatters."""

    def filter(self, record):
        record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, the request line's
    or task's fields when the record has them, and the traceback of an exception."""

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        entry.update(
            (field, getattr(record, field)) for field in RECORD_FIELDS if hasattr(record, field)
        )
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _user_id(request):
    """The user's id if the request read its user: a page that never looked at the user (a
    public page, a health check) is not made to load the session for the log."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk


class RequestLogMiddleware:
    """Gives every request an id (the proxy's ``X-Request-ID`` when well-formed), sends it back
    in the response's header, and logs one line per request when it is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Kept until the request is finished (forget_request_id_after_request), so that
        # Django's own line about a failed request, written after the middleware, has it too.
        request.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request_id.set(request.request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        self.log(request, response, time.monotonic() - started)
        return response

    @staticmethod
    def log(request, response, seconds):
        match = request.resolver_match
        requests_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                "view": match.view_name if match else None,
                "user_id": _user_id(request),
            },
        )


def forget_request_id_after_request(**kwargs):
    """``request_finished``: whatever this thread logs next is not about that request."""
    request_id.set(None)


# --- Celery: the request id travels with the task ------------------------------------------


def carry_request_id(headers=None, **kwargs):
    """``before_task_publish``: a task queued while a request (or a task) runs carries its id."""
    current = request_id.get()
    if current and headers is not None:
        headers.setdefault(TASK_HEADER, current)


def adopt_request_id(task=None, **kwargs):
    """``task_prerun``: a task runs under the id it was queued with, if any. An eager task
    (tests) has none and keeps the id of the code that ran it."""
    carried = getattr(task.request, TASK_HEADER, None) or (task.request.headers or {}).get(
        TASK_HEADER
    )
    task.request.request_id_token = request_id.set(carried) if carried else None


def forget_request_id(task=None, **kwargs):
    """``task_postrun``: the worker's next task starts without the last one's id."""
    token = getattr(task.request, "request_id_token", None)
    if token is not None:
        request_id.reset(token)


def connect_signals():
    request_finished.connect(forget_request_id_after_request, dispatch_uid="logs.request_done")
    signals.before_task_publish.connect(carry_request_id, dispatch_uid="logs.carry_request_id")
    signals.task_prerun.connect(adopt_request_id, dispatch_uid="logs.adopt_request_id")
    signals.task_postrun.connect(forget_request_id, dispatch_uid="logs.forget_request_id")
