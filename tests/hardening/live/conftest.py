"""Live tests: the app under gunicorn (4 workers) on a private PostgreSQL and Redis.

They start and stop their own database cluster and Redis on spare ports (never the shared ones),
so they run apart from the main suite: `make faults` (pytest -m faults). A plain `pytest` run
skips them with that hint.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from tests.support.http import call
from tests.support.services import (
    Gunicorn,
    PrivatePostgres,
    PrivateRedis,
    app_env,
    django_script,
    manage,
    postgres_bin_dir,
)

LIVE_DIR = Path(__file__).parent
DB_NAME = "h9_live"
# What each live test measured, printed at the end of the run (CI logs keep the figures).
FIGURES: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter):
    for name, figure in FIGURES.items():
        terminalreporter.write_line(f"live: {name}: {figure}")


def pytest_collection_modifyitems(config, items):
    selected = "faults" in (config.getoption("markexpr") or "")
    for item in items:
        if LIVE_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)
            if not selected:
                item.add_marker(pytest.mark.skip(reason="live fault and HTTP tests: run `make faults`"))


@pytest.fixture(scope="session")
def private_pg():
    if postgres_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries (initdb) are not installed")
    pg = PrivatePostgres().init()
    pg.start()
    pg.create_database(DB_NAME)
    yield pg
    pg.destroy()


@pytest.fixture(scope="session")
def private_redis():
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture(scope="session")
def live_env(private_pg, private_redis):
    env = app_env(database_url=private_pg.url(DB_NAME), redis_url=private_redis.url)
    manage("migrate", "--noinput", env=env)
    return env


@pytest.fixture(scope="session")
def server(live_env):
    gunicorn = Gunicorn(env=live_env, workers=int(os.environ.get("LIVE_WORKERS", "4")))
    gunicorn.start()
    yield gunicorn
    gunicorn.stop()


_seq = itertools.count(1)

ARRANGE = """
from datetime import date
from rest_framework_simplejwt.tokens import RefreshToken
from schools.models import School
from students.models import Student
from users.models import Membership, Role, User

admin, _ = User.objects.get_or_create(
    username="h9-platform-admin", defaults={"is_superuser": True, "is_staff": True}
)
admin.set_password("correct-horse-battery")
admin.save()
school = School.objects.create(name="Colegio Live {n}", address="Calle 1", email="live{n}@example.com")
student = Student.objects.create(
    school=school, first_name="Ana", last_name="Live {n}", email="ana{n}@example.com", grade="3",
    enrolled_at=date(2024, 8, 20),
)
accountant = User.objects.create_user(username="h9-accountant-{n}", password="correct-horse-battery")
Membership.objects.create(user=accountant, school=school, role=Role.ACCOUNTANT)
manager = User.objects.create_user(username="h9-manager-{n}", password="correct-horse-battery")
Membership.objects.create(user=manager, school=school, role=Role.ADMIN)
token = lambda u: str(RefreshToken.for_user(u).access_token)
print(json.dumps({
    "school_id": str(school.pk), "student_id": str(student.pk),
    "admin_token": token(admin), "accountant_token": token(accountant), "manager_token": token(manager),
    "admin_username": admin.username,
}))
"""


@pytest.fixture(scope="session")
def world(live_env, server):
    """A fresh school with a student, an ACCOUNTANT and an ADMIN member, and bearer tokens."""
    return django_script(ARRANGE.replace("{n}", str(next(_seq))), env=live_env)


@pytest.fixture(scope="session")
def api(server):
    def request(method, path, **kwargs):
        return call(server.base_url, method, path, **kwargs)

    return request


def make_invoice(api, world, amount="1000.00", token_key="accountant_token"):
    answer = api(
        "POST", "/api/v1/invoices", token=world[token_key],
        body={"student_id": world["student_id"], "amount": amount, "due_date": "2099-12-31",
              "description": "Colegiatura"},
    )
    assert answer.status == 201, answer.body
    return answer.json()
