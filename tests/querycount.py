"""Query counts that must not grow with the data, checked the way Zulip's
``assert_database_query_count`` checks them: the exact number, and every query printed when it
differs.

Measure the same page at a small and a larger size of data, with every part of the page
populated at both sizes, and compare::

    small = count_queries(lambda: client.get(url))
    ... add more of everything ...
    large = count_queries(lambda: client.get(url))
    assert_same_query_count(small, large)
"""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], object]) -> CaptureQueriesContext:
    """Run ``action`` and keep the queries it made."""
    with CaptureQueriesContext(connection) as captured:
        action()
    return captured


def _listing(captured: CaptureQueriesContext) -> str:
    return "\n".join(
        f"{number}. {query['sql']}" for number, query in enumerate(captured.captured_queries, 1)
    )


def assert_same_query_count(small: CaptureQueriesContext, large: CaptureQueriesContext) -> None:
    """Fail, listing the queries of both runs, when the larger data took more (or fewer)
    queries than the small."""
    if len(small) == len(large):
        return
    pytest.fail(
        f"{len(small)} queries with the small data, {len(large)} with the larger data.\n\n"
        f"With the small data:\n{_listing(small)}\n\nWith the larger data:\n{_listing(large)}",
        pytrace=False,
    )
