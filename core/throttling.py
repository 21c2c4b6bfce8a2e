"""The API's per-user and per-client rate limits, counted in one cache round trip.

DRF's SimpleRateThrottle keeps the time of every request in the window: each request reads that
list from the cache, unpickles it, appends, pickles and writes it back. Two round trips, and work
that grows with the rate: at `THROTTLE_USER` 6000/min a busy user's list holds thousands of floats
(bench/README.md measured it). Here each window is one counter, and the rate is checked against a
sliding window estimated from the current and the previous counter (the previous one weighted by
how much of it still lies inside the last `duration` seconds), so a burst across a window edge is
still held back. With Redis: INCR, EXPIRE and GET in one pipeline. A refused request is taken off
the count again (as DRF does not record refused requests), which costs a round trip only then.
If the cache cannot answer, the request is allowed (logged), as DRF does with django-redis
ignoring the outage. Login and AI throttles keep their own classes.
"""

import logging

from django.core.cache import cache
from rest_framework import throttling
from rest_framework.settings import api_settings

logger = logging.getLogger("core.cache")


def _count(key: str, previous_key: str, ttl: int) -> tuple[int, int]:
    """Add one to `key` (expiring after ttl) and return it with `previous_key`'s count."""
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):  # django-redis: one pipeline
        redis = client.get_client(write=True)
        pipe = redis.pipeline(transaction=False)
        current = cache.make_key(key)
        pipe.incr(current)
        pipe.expire(current, ttl)
        pipe.get(cache.make_key(previous_key))
        count, _, previous = pipe.execute()
        return int(count), int(previous or 0)
    cache.add(key, 0, ttl)
    return cache.incr(key), int(cache.get(previous_key) or 0)


def _uncount(key: str) -> None:
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):
        client.get_client(write=True).decr(cache.make_key(key))
    else:
        cache.decr(key)


class WindowCounterThrottle(throttling.SimpleRateThrottle):
    def get_rate(self):
        # Read on each request (DRF copies the rates once, at import; tests change them).
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        current_key, previous_key = f"{self.key}:{window}", f"{self.key}:{window - 1}"
        try:
            count, previous = _count(current_key, previous_key, 2 * self.duration)
        except Exception as error:  # noqa: BLE001 - an unreachable cache never refuses a request
            logger.warning("cache_unavailable: %r", error)
            return True
        elapsed = now - window * self.duration
        weight = 1 - elapsed / self.duration
        if previous * weight + count <= self.num_requests:
            return True
        try:
            _uncount(current_key)
        except Exception as error:  # noqa: BLE001
            logger.warning("cache_unavailable: %r", error)
        # When the estimate falls back under the limit: the previous window's share shrinks
        # as time passes; if this window alone is full, only the next window helps.
        count -= 1
        if count + 1 > self.num_requests or previous == 0:
            self._wait = self.duration - elapsed
        else:
            allowed_weight = (self.num_requests - count - 1) / previous  # lets one more in
            self._wait = max(0.0, (weight - allowed_weight) * self.duration)
        return False

    def wait(self):
        return max(1.0, self._wait)


class UserRateThrottle(WindowCounterThrottle, throttling.UserRateThrottle):
    """DRF's per-user (per-IP when anonymous) limit, rate `user`."""


class AnonRateThrottle(WindowCounterThrottle, throttling.AnonRateThrottle):
    """DRF's per-IP limit for anonymous requests, rate `anon`."""
