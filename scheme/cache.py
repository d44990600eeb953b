"""Redis as a cache the portal can live without for a while.

Everything the portal keeps in the cache can be worked out again (session copies backed by the
database, unread counts, rate-limit counters). When Redis is briefly unreachable a page should
be a little slower, not a server error: reads miss, writes are dropped, and each failure is
logged. The health endpoint still reports the cache as down (its write-then-read check fails).
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _missing_or(default):
    def wrap(method):
        def call(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                log.warning("Cache unreachable during %s: %s", method.__name__, error)
                return default

        call.__name__ = method.__name__
        return call

    return wrap


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, answering as an empty cache while Redis cannot be reached.

    ``incr`` and ``decr`` raise ValueError (a missing key), as they do for a missing key, so
    callers such as the rate limiter take their usual path.
    """

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as error:
            log.warning("Cache unreachable during get: %s", error)
            return default

    set = _missing_or(None)(RedisCache.set)
    add = _missing_or(False)(RedisCache.add)
    touch = _missing_or(False)(RedisCache.touch)
    delete = _missing_or(False)(RedisCache.delete)
    get_many = _missing_or({})(RedisCache.get_many)
    set_many = _missing_or([])(RedisCache.set_many)
    delete_many = _missing_or(None)(RedisCache.delete_many)
    has_key = _missing_or(False)(RedisCache.has_key)
    clear = _missing_or(False)(RedisCache.clear)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as error:
            log.warning("Cache unreachable during incr: %s", error)
            raise ValueError(f"Key '{key}' not found") from error
