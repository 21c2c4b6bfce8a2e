import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient, APIRequestFactory

from config.celery import app as celery_app
from tests.schools.factories import SchoolFactory
from tests.users.factories import MembershipFactory, UserFactory
from users.models import Role

# APIClient bodies are JSON unless a test says otherwise. (DRF copies its TEST_REQUEST_DEFAULT_FORMAT
# setting into this class attribute at import, so the test-only default is set here, not in settings.)
APIRequestFactory.default_format = "json"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # SQLite: a file, not the in-memory default, because threads in the concurrency tests need real
    # locking; one per test process (pid), so two suites running side by side never share it.
    # `make clean` removes what a crashed run leaves.
    db = django_settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = f"/tmp/billing-test-{os.getpid()}.sqlite3"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # A fast hasher keeps user fixtures cheap; production uses Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Pages render without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_inline():
    # Tasks run inline in tests even when REDIS_URL (hence a broker) is set, as with no broker;
    # tests/core/test_celery_worker.py drives a real worker through a client of its own.
    eager, propagates = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = eager, propagates


@pytest.fixture
def english():
    """For the tests that read messages and labels in English: the language another test of the same
    worker activated (the API's Accept-Language) must not leak in. Spanish has tests of its own."""
    with translation.override("en"):
        yield


@pytest.fixture
def throttle(settings):
    """throttle(login="3/day", ...) sets this test's DRF rates for those throttle scopes."""

    def set_rates(**rates: str):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
        }

    return set_rates


@pytest.fixture
def api_client():
    return APIClient()


def authenticated_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def school(db):
    return SchoolFactory()


@pytest.fixture
def other_school(db):
    return SchoolFactory()


def member(school, role: Role):
    user = UserFactory()
    MembershipFactory(user=user, school=school, role=role)
    return user


# API clients of `school`'s members, one per role. (tests/backoffice overrides them: there they are
# staff users of the admin site.)
@pytest.fixture
def viewer(school):
    return authenticated_client(member(school, Role.VIEWER))


@pytest.fixture
def accountant_user(school):
    return member(school, Role.ACCOUNTANT)


@pytest.fixture
def accountant(accountant_user):
    return authenticated_client(accountant_user)


@pytest.fixture
def school_admin(school):
    return authenticated_client(member(school, Role.ADMIN))


@pytest.fixture
def admin_user(db):
    return UserFactory(is_superuser=True, is_staff=True)
