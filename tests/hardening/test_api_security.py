"""Login, register and refresh, as an attacker would probe them."""

import pytest
from django.contrib.auth.hashers import make_password

from tests.hardening.hashers import CountingHasher
from tests.hardening.test_passwords import PRODUCTION_HASHERS
from tests.users.factories import UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/api/v1/auth/login", {"username": username, "password": password}, format="json")


def test_unknown_user_and_wrong_password_get_the_same_answer(api_client):
    user = UserFactory()
    unknown = login(api_client, "no-such-user", "correct-horse-battery")
    wrong = login(api_client, user.username, "wrong-horse-battery")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_an_inactive_account_is_refused_like_a_wrong_password(api_client):
    user = UserFactory(is_active=False)
    inactive = login(api_client, user.username, "correct-horse-battery")
    unknown = login(api_client, "no-such-user-either", "correct-horse-battery")
    assert inactive.status_code == 401
    assert inactive.json() == unknown.json()


def test_login_for_an_unknown_user_still_spends_a_password_hash(api_client, settings):
    # Without it, "no such user" answers measurably faster than "wrong password".
    settings.PASSWORD_HASHERS = ["tests.hardening.hashers.CountingHasher"]
    CountingHasher.calls = 0
    assert login(api_client, "ghost", "whatever-123").status_code == 401
    assert CountingHasher.calls == 1


def test_api_login_upgrades_a_pbkdf2_hash_to_argon2(api_client, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = UserFactory()
    user.password = make_password("correct-horse-battery", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    assert login(api_client, user.username, "correct-horse-battery").status_code == 200

    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    "password",
    ["short1", "12345678901", "password123", "qwertyuiop", "mallory-the-user"],
    ids=["too-short", "numeric", "common", "common-keyboard", "like-the-username"],
)
def test_register_refuses_weak_passwords_and_creates_nobody(api_client, password):
    response = api_client.post(
        "/api/v1/auth/register",
        {"username": "mallory-the-user", "email": "mallory@example.com", "password": password},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "password" in response.json()["fields"]
    assert not User.objects.filter(username="mallory-the-user").exists()


def test_register_does_not_tell_whether_an_email_already_has_an_account(api_client):
    UserFactory(email="known@example.com")
    response = api_client.post(
        "/api/v1/auth/register",
        {"username": "newcomer", "email": "known@example.com", "password": "a-long-unusual-passphrase"},
        format="json",
    )
    assert response.status_code == 201


def test_a_refresh_token_works_once_and_its_replay_is_refused(api_client):
    user = UserFactory()
    pair = login(api_client, user.username, "correct-horse-battery").json()

    first = api_client.post("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json")
    replay = api_client.post("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json")

    assert first.status_code == 200
    assert first.json()["refresh_token"] != pair["refresh_token"]
    assert replay.status_code == 401
    assert replay.json()["code"] == "invalid_token"


def test_a_forged_access_token_is_refused(api_client):
    user = UserFactory()
    token = login(api_client, user.username, "correct-horse-battery").json()["access_token"]
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    response = api_client.get("/api/v1/auth/me")
    assert response.status_code == 401


def test_password_guesses_through_the_api_also_lock_the_admin_form_for_that_user_and_ip(
    api_client, client
):
    # Guessing a staff password is evidence whichever door it comes through. The API's own login
    # is held back by its throttle, not by axes, so an integrator is never locked out by it.
    user = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(5):
        login(api_client, user.username, "guess-guess-guess")
    admin = client.post("/admin/login/", {"username": user.username, "password": "correct-horse-battery",
                                          "next": "/admin/"})
    assert admin.status_code == 429
