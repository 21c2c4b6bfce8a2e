"""With Redis unreachable, cached reads come from the database and the outage is a warning."""

import logging
import socket

import pytest
from django.core.cache import cache

from schools.cache import cached_for_schools

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_that_is_down(settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    settings.DJANGO_REDIS_LOGGER = "core.cache"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5, "IGNORE_EXCEPTIONS": True},
        }
    }


def test_a_cached_read_is_computed_from_the_database_and_logged_as_one_warning(
    redis_that_is_down, school, caplog
):
    computed = []

    def compute():
        computed.append(1)
        return {"total": "100.00"}

    with caplog.at_level(logging.WARNING, logger="core.cache"):
        value = cached_for_schools(namespace="t", school_ids=[school.pk], params={}, compute=compute)

    assert value == {"total": "100.00"} and computed == [1]
    outage = [r for r in caplog.records if r.name == "core.cache"]
    assert outage, "the outage was not logged"
    assert {r.levelname for r in outage} == {"WARNING"}
    assert all(r.getMessage().startswith("cache_unavailable:") and r.exc_info is None for r in outage)
    assert cache.get("anything") is None  # and the next call still does not raise
