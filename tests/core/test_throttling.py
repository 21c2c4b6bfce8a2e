"""The per-user and per-client limits (core/throttling.py): one counter per window, checked as a
sliding window, on the local-memory cache and, when REDIS_URL is set, on Redis."""

import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core.throttling import UserRateThrottle
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("REDIS_URL")
BACKENDS = ["locmem"] + (["redis"] if REDIS_URL else [])


@pytest.fixture(params=BACKENDS)
def backend(request, settings):
    if request.param == "redis":
        settings.CACHES = {"default": {
            "BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"throttle-test-{os.getpid()}",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }}
    cache.clear()
    yield request.param
    cache.clear()


def _client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def test_a_user_past_the_rate_is_refused_with_a_retry_after_and_others_are_not(backend, throttle):
    throttle(user="3/min")
    greedy, other = UserFactory(), UserFactory()
    answers = [_client(greedy).get("/api/v1/auth/me").status_code for _ in range(3)]
    refused = _client(greedy).get("/api/v1/auth/me")
    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert _client(other).get("/api/v1/auth/me").status_code == 200


class _Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def _throttle(clock):
    throttle = UserRateThrottle()
    throttle.timer = clock
    return throttle


def test_the_window_slides_a_burst_at_a_window_edge_is_held_back(backend, throttle, rf):
    throttle(user="4/min")
    request = rf.get("/")
    request.user = UserFactory()
    clock = _Clock(1_000 * 60 + 59)  # the last second of a window
    assert all(_throttle(clock).allow_request(request, None) for _ in range(4))
    refused = _throttle(clock)
    assert not refused.allow_request(request, None)  # the 5th in the same minute

    clock.now += 2  # 1 s into the next window: the 4 of the last 59 s still count
    late = _throttle(clock)
    assert not late.allow_request(request, None)
    assert 1 <= late.wait() <= 60

    clock.now += 29  # half of the previous window has slid out: 4 x 0.5 + 1 <= 4
    assert _throttle(clock).allow_request(request, None)


def test_refused_requests_do_not_count(backend, throttle, rf):
    throttle(user="2/min")
    request = rf.get("/")
    request.user = UserFactory()
    clock = _Clock(2_000 * 60)
    assert _throttle(clock).allow_request(request, None)
    assert _throttle(clock).allow_request(request, None)
    for _ in range(5):
        assert not _throttle(clock).allow_request(request, None)
    clock.now += 60 + 30  # half the previous window left: 2 x 0.5 + 1 = 2, not 7 x 0.5 + 1
    assert _throttle(clock).allow_request(request, None)
