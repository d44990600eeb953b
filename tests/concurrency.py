"""Calls made at the same moment, for the tests of locks and unique keys.

Such tests need PostgreSQL (real row locks; SQLite serialises whole transactions) and
``transactional_db``, so that every thread sees the rows the test made.
"""

import threading
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation


class AtOnce(NamedTuple):
    made: list  # what the calls that went through returned
    errors: list  # each refusal, described (by default its messages, joined)
    crashes: list  # repr of anything else raised: always a failure of the test


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def at_once(calls, *, language="en", expected=(ValidationError,), describe=messages) -> AtOnce:
    """Run every call in its own thread, all released at the same moment by one barrier.

    An exception of an ``expected`` type is a refusal, written into ``errors`` by ``describe``
    (e.g. ``lambda error: error.code``); anything else is a crash. Messages are in
    ``language``. Every thread closes its own database connection.
    """
    barrier = threading.Barrier(len(calls))
    made, errors, crashes = [], [], []
    lock = threading.Lock()

    def run(call):
        try:
            with translation.override(language):
                barrier.wait(timeout=30)
                try:
                    result = call()
                    with lock:
                        made.append(result)
                except expected as error:
                    with lock:
                        errors.append(describe(error))
        except Exception as error:  # anything else is a failure of the test
            with lock:
                crashes.append(repr(error))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a call is still running"
    return AtOnce(made, errors, crashes)
