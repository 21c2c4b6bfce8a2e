"""django-axes guards the admin login against password guessing."""

import pytest

from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def _admin_login(client, username, password):
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_five_wrong_passwords_lock_the_admin_login_even_for_the_right_one(client, staff, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(4):
        assert _admin_login(client, staff.username, "guess-123").status_code == 200  # form again
    assert _admin_login(client, staff.username, "guess-123").status_code == 429  # the fifth locks

    locked = _admin_login(client, staff.username, "correct-horse-battery")

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_login_before_the_limit_starts_the_count_again(client, staff, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(4):
        _admin_login(client, staff.username, "guess-123")
    assert _admin_login(client, staff.username, "correct-horse-battery").status_code == 302
    client.logout()
    for _ in range(4):
        _admin_login(client, staff.username, "guess-123")

    assert _admin_login(client, staff.username, "correct-horse-battery").status_code == 302


def test_failures_outside_a_request_do_not_break_authentication():
    # Management commands and scripts call authenticate() without a request; axes must not crash.
    from django.contrib.auth import authenticate

    user = UserFactory()
    assert authenticate(username=user.username, password="correct-horse-battery") == user
