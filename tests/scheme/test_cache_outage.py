"""Redis briefly unreachable: pages keep working (slower), nothing fails with a server error.

The cache points at a loopback port where nothing listens, which is what a Redis restart
looks like to the portal."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse
from health_check import Cache
from health_check.exceptions import ServiceUnavailable

from scheme import ratelimit

UNREACHABLE = {
    "default": {
        "BACKEND": "scheme.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def redis_down():
    with override_settings(CACHES=UNREACHABLE):  # Django builds the caches anew
        yield caches["default"]


def test_the_cache_answers_as_an_empty_cache(redis_down):
    assert redis_down.get("key", "fallback") == "fallback"
    assert redis_down.add("key", 1) is False
    assert redis_down.get_or_set("key", 7) == 7
    with pytest.raises(ValueError):
        redis_down.incr("key")


def test_signed_in_pages_and_the_rate_limit_keep_working(client, member, redis_down):
    client.force_login(member)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("notifications")).status_code == 200
    assert ratelimit.hit("test", "someone", limit=5, seconds=60) is True


def test_readiness_still_reports_the_cache_down(redis_down):
    # The check runs in a thread of its own: a browser test may have left an event loop here.
    with ThreadPoolExecutor(1) as pool:
        probe = pool.submit(asyncio.run, Cache().run())
        with pytest.raises(ServiceUnavailable):  # its write-then-read check cannot read back
            probe.result()
