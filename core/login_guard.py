"""Failed logins per client address: the one limit shared by the API login and the admin login.

Failures are counted, not attempts: a wrong password (or an unknown username) from an address
adds one; once an address reaches the `login` rate (THROTTLE_LOGIN, default 10/min) it is refused
(429) until the window ends, whatever it sends. Nothing is counted per username, so nobody can
lock a user out by failing from elsewhere: a right password from an address that has not failed is
always checked. (django-axes adds the admin's own lockout per username and address.)

Cost: checking is one cache read; a failure adds one or two writes. The counter is a fixed window
(`<address>:<window number>`), which expires by itself.

The client address is DRF's (REMOTE_ADDR, or X-Forwarded-For as far as NUM_PROXIES trusts it):
behind a proxy NUM_PROXIES must be set, or every client shares the proxy's address and one
attacker's failures refuse everyone. When the cache (Redis) is down, counting and checking fail
open (logged): logins are then limited only by the admin's django-axes lockout (database).
"""

import time

import structlog
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

logger = structlog.get_logger(__name__)

_RATE_SCOPE = "login"


def _limit() -> tuple[int, int]:
    """(failures allowed, window seconds) from the `login` throttle rate."""
    rate = api_settings.DEFAULT_THROTTLE_RATES[_RATE_SCOPE]
    return SimpleRateThrottle.parse_rate(None, rate)


def client_address(request) -> str:
    """The client's address as the API throttles see it (NUM_PROXIES-aware)."""
    return BaseThrottle().get_ident(request)


def _key(address: str, window: int) -> str:
    return f"login:failures:{address}:{window}"


def login_refused_for(request) -> int | None:
    """Seconds until this address may try again, or None when it may log in now. One cache read."""
    allowed, period = _limit()
    now = time.time()
    window = int(now // period)
    try:
        failures = cache.get(_key(client_address(request), window)) or 0
    except Exception:  # noqa: BLE001 - a cache outage must not stop logins (fails open, logged)
        logger.warning("login_guard.cache_unavailable")
        return None
    if failures < allowed:
        return None
    return max(1, int((window + 1) * period - now))


def login_failure_record(request) -> None:
    """Count one failed login from this request's address."""
    _allowed, period = _limit()
    key = _key(client_address(request), int(time.time() // period))
    try:
        if not cache.add(key, 1, timeout=period + 1):
            cache.incr(key)
    except Exception:  # noqa: BLE001 - see login_refused_for
        logger.warning("login_guard.cache_unavailable")


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """`user_login_failed` receiver: every failed authenticate() with a request counts (API, admin)."""
    if request is not None:
        login_failure_record(request)
