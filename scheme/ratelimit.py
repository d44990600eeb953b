"""Rate limits on what sends e-mail or can be sprayed: counted in the cache, per key.

The cache is shared by every web process (Redis in production), so a limit holds across
machines. A window starts at the first hit and lasts ``seconds``.
"""

import hashlib

from django.core.cache import cache


def _key(scope: str, key: str) -> str:
    digest = hashlib.sha256(str(key).strip().lower().encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def hit(scope: str, key, *, limit: int, seconds: int) -> bool:
    """Count one attempt for ``key``; False when it is over ``limit`` in the window.

    Keys (an e-mail address, a client address) are hashed, so the cache holds no personal
    data in clear.
    """
    name = _key(scope, key)
    if cache.add(name, 1, seconds):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, seconds)
        return True
    return count <= limit


def allowed(scope: str, keys, *, limit: int, seconds: int) -> bool:
    """Count one attempt for each key; False when any of them is over its limit."""
    results = [hit(scope, key, limit=limit, seconds=seconds) for key in keys if key]
    return all(results)
