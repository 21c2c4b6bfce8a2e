"""Password storage and the login paths that must not tell users apart."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.test import RequestFactory

from tests.hardening.hashers import CountingHasher
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

PRODUCTION_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]


@pytest.fixture
def pbkdf2_user(settings):
    """A user whose password was stored before Argon2 became the first hasher."""
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = UserFactory()
    user.password = make_password("correct-horse-battery", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    return user


def test_a_pbkdf2_hash_is_upgraded_to_argon2_when_the_user_logs_in(pbkdf2_user):
    user = pbkdf2_user
    request = RequestFactory().post("/admin/login/")
    logged_in = authenticate(request, username=user.username, password="correct-horse-battery")

    assert logged_in == user
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert user.check_password("correct-horse-battery")


def test_a_wrong_password_leaves_the_old_hash_alone(pbkdf2_user):
    user = pbkdf2_user
    request = RequestFactory().post("/admin/login/")
    assert authenticate(request, username=user.username, password="wrong-horse") is None

    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")


def test_checking_an_unknown_username_still_spends_a_password_hash(settings):
    # Otherwise "no such user" answers measurably faster than "wrong password".
    settings.PASSWORD_HASHERS = ["tests.hardening.hashers.CountingHasher"]
    CountingHasher.calls = 0
    request = RequestFactory().post("/admin/login/")
    assert authenticate(request, username="nobody-by-this-name", password="whatever-123") is None
    assert CountingHasher.calls == 1
