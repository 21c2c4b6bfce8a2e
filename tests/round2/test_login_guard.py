"""Issue 13, item 6: failed logins are counted per address; nobody can lock a user out."""

import pytest
from rest_framework.test import APIClient

from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _three_per_minute(throttle):
    throttle(login="3/day")


def _login(username, password, address):
    return APIClient().post("/api/v1/auth/login", {"username": username, "password": password},
                            format="json", REMOTE_ADDR=address)


def test_ten_failures_from_ten_addresses_leave_the_right_password_working_from_a_new_one():
    contador = UserFactory(username="contador")
    for i in range(10):
        assert _login(contador.username, "wrong", f"10.1.0.{i}").status_code == 401
    assert _login(contador.username, PASSWORD, "10.1.0.200").status_code == 200


def test_successful_logins_are_not_counted():
    user = UserFactory()
    for _ in range(6):
        assert _login(user.username, PASSWORD, "10.2.0.1").status_code == 200


def test_an_address_past_the_limit_is_refused_even_with_the_right_password_and_others_are_not():
    user = UserFactory()
    for i in range(3):
        assert _login(f"guess{i}", "wrong", "10.3.0.1").status_code == 401
    refused = _login(user.username, PASSWORD, "10.3.0.1")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    assert _login(user.username, PASSWORD, "10.3.0.2").status_code == 200


def test_the_admin_login_has_a_per_address_limit_across_usernames(client, settings):
    settings.AXES_FAILURE_LIMIT = 50  # axes' username+address lockout out of the way
    staff = UserFactory(is_staff=True, is_superuser=True)
    for i in range(3):
        page = client.post("/admin/login/", {"username": f"guess{i}", "password": "x", "next": "/admin/"})
        assert page.status_code == 200  # the form again
    locked = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_api_failures_count_towards_the_admin_limit_of_that_address(client, settings):
    settings.AXES_FAILURE_LIMIT = 50
    staff = UserFactory(is_staff=True, is_superuser=True)
    for i in range(3):
        _login(f"guess{i}", "wrong", "127.0.0.1")
    locked = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert locked.status_code == 429
