"""Register, login (form and JSON), refresh and /me: the seed README's curl flow, verbatim."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.schools.factories import SchoolFactory
from tests.users.factories import MembershipFactory, UserFactory
from users.models import Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _login(client, username, password=PASSWORD, **kwargs):
    return client.post("/api/v1/auth/login", {"username": username, "password": password}, **kwargs)


def _register(body: dict):
    return APIClient().post("/api/v1/auth/register", body, format="json")


def _refresh(refresh_token: str):
    return APIClient().post("/api/v1/auth/refresh", {"refresh_token": refresh_token}, format="json")


def test_seed_readme_curl_flow_register_login_form_then_me_works_verbatim():
    client = APIClient()
    register = client.post(
        "/api/v1/auth/register",
        data='{\n    "username": "admin",\n    "email": "admin@test.com",\n    "password": "secret123"\n  }',
        content_type="application/json",
    )
    assert register.status_code == 201, register.json()
    login = client.post(
        "/api/v1/auth/login",
        data="username=admin&password=secret123",
        content_type="application/x-www-form-urlencoded",
    )
    assert login.status_code == 200, login.json()
    body = login.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"] and body["refresh_token"]
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.status_code == 200
    assert me.json()["username"] == "admin"
    assert me.json()["memberships"] == []


def test_register_answers_201_with_the_user_and_never_the_password():
    response = _register(
        {"username": "maria", "email": "Maria@Example.COM", "password": "a-long-passphrase-2026"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "maria"
    assert body["email"] == "Maria@example.com"
    assert body["is_platform_admin"] is False
    assert body["memberships"] == []
    assert "password" not in body
    user = User.objects.get(username="maria")
    assert user.check_password("a-long-passphrase-2026")
    assert not user.is_staff and not user.is_superuser


def test_register_refuses_a_weak_password_and_creates_nothing():
    response = _register({"username": "maria", "email": "m@example.com", "password": "12345678"})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "password" in response.json()["fields"]
    assert not User.objects.filter(username="maria").exists()


def test_register_refuses_a_username_taken_in_another_case():
    UserFactory(username="Maria")
    response = _register(
        {"username": "maria", "email": "m@example.com", "password": "a-long-passphrase-2026"}
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["username"]
    assert User.objects.filter(username__iexact="maria").count() == 1


def test_register_does_not_reveal_that_an_email_already_has_an_account():
    UserFactory(username="first", email="shared@example.com")
    response = _register(
        {"username": "second", "email": "shared@example.com", "password": "a-long-passphrase-2026"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"username": "x", "email": "x@example.com"},
        {"username": "x", "email": "not-an-email", "password": "a-long-passphrase-2026"},
        {"username": "x" * 151, "email": "x@example.com", "password": "a-long-passphrase-2026"},
        {"username": "bad name!", "email": "x@example.com", "password": "a-long-passphrase-2026"},
        {
            "username": "x",
            "email": "x@example.com",
            "password": "a-long-passphrase-2026",
            "is_superuser": True,
        },
    ],
    ids=["missing-password", "bad-email", "long-username", "bad-username-chars", "unknown-field"],
)
def test_register_refuses_bad_input_with_a_validation_error(body):
    response = _register(body)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert User.objects.count() == 0


def test_register_refuses_malformed_json():
    response = APIClient().post("/api/v1/auth/register", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_register_refuses_form_encoding_with_415():
    response = APIClient().post(
        "/api/v1/auth/register",
        data="username=a&email=a@b.co&password=xx",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_login_accepts_json():
    user = UserFactory()
    response = _login(APIClient(), user.username, format="json")
    assert response.status_code == 200
    assert set(response.json()) >= {"access_token", "token_type", "refresh_token"}


def test_login_accepts_the_oauth2_password_form_with_grant_type():
    user = UserFactory()
    response = APIClient().post(
        "/api/v1/auth/login",
        data=f"grant_type=password&username={user.username}&password={PASSWORD}&scope=",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200


def test_login_wrong_password_and_unknown_user_get_the_same_answer():
    user = UserFactory()
    wrong = _login(APIClient(), user.username, "wrong-password", format="json")
    unknown = _login(APIClient(), "nobody-here", "wrong-password", format="json")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


def test_login_of_an_inactive_user_gets_the_same_answer_as_a_wrong_password():
    user = UserFactory(is_active=False)
    response = _login(APIClient(), user.username, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_failures_for_one_username_from_many_addresses_do_not_lock_it_out(throttle):
    """Issue 13, item 6: failures are counted per address, never per username."""
    throttle(login="3/day")
    user = UserFactory()
    for i in range(10):
        assert (
            _login(APIClient(), user.username, "wrong", format="json", REMOTE_ADDR=f"10.0.0.{i}").status_code
            == 401
        )
    response = _login(APIClient(), user.username, format="json", REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 200


def test_login_is_throttled_per_client_ip_across_usernames(throttle):
    throttle(login="3/day")
    for i in range(3):
        assert _login(APIClient(), f"guess{i}", "wrong", format="json").status_code == 401
    response = _login(APIClient(), "another-guess", "wrong", format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_login_ip_throttle_ignores_a_spoofed_forwarded_for_header(throttle):
    throttle(login="2/day")
    for i in range(2):
        _login(APIClient(), f"guess{i}", "wrong", format="json", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}")
    response = _login(APIClient(), "guess9", "wrong", format="json", HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert response.status_code == 429


def test_refresh_returns_a_new_pair_and_the_old_refresh_token_stops_working():
    user = UserFactory()
    first = _login(APIClient(), user.username, format="json").json()
    refreshed = _refresh(first["refresh_token"])
    assert refreshed.status_code == 200
    pair = refreshed.json()
    assert pair["token_type"] == "bearer"
    assert pair["refresh_token"] != first["refresh_token"]
    me = APIClient().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    assert me.status_code == 200
    reused = _refresh(first["refresh_token"])
    assert reused.status_code == 401
    assert reused.json()["code"] == "invalid_token"


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_refresh_refuses_a_malformed_token(token):
    response = _refresh(token)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_refresh_refuses_an_access_token():
    user = UserFactory()
    pair = _login(APIClient(), user.username, format="json").json()
    response = _refresh(pair["access_token"])
    assert response.status_code == 401


def test_refresh_refuses_the_token_of_a_user_deactivated_since():
    user = UserFactory()
    pair = _login(APIClient(), user.username, format="json").json()
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = _refresh(pair["refresh_token"])
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_refresh_refuses_the_token_of_a_deleted_user():
    user = UserFactory()
    pair = _login(APIClient(), user.username, format="json").json()
    user.delete()
    response = _refresh(pair["refresh_token"])
    assert response.status_code == 401


def test_me_lists_memberships_with_school_id_name_and_role():
    user = UserFactory()
    school = SchoolFactory(name="Colegio San José")
    MembershipFactory(user=user, school=school, role=Role.ACCOUNTANT)
    token = _login(APIClient(), user.username, format="json").json()["access_token"]
    response = APIClient().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["memberships"] == [
        {"school_id": str(school.pk), "school_name": "Colegio San José", "role": "ACCOUNTANT"}
    ]


def test_me_without_a_token_is_401_in_the_error_shape():
    response = APIClient().get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_with_a_bad_token_is_401_with_a_readable_detail():
    response = APIClient().get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "authentication_failed"
    assert "token_not_valid" not in body["detail"]


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/login/"])
def test_login_answers_with_and_without_a_trailing_slash(path):
    user = UserFactory()
    response = APIClient().post(path, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_seed_readme_register_example_still_works_after_the_demo_logins_are_created(school):
    call_command("demo_users", "--demo", stdout=io.StringIO())
    response = _register({"username": "admin", "email": "admin@test.com", "password": "secret123"})
    assert response.status_code == 201


@pytest.mark.parametrize("field", ["username", "password"])
def test_login_with_a_nul_byte_is_400_not_500(field):
    body = {"username": "someone", "password": "whatever-pass", field: "a\x00b"}
    response = APIClient().post("/api/v1/auth/login", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_register_is_throttled_per_client_ip(throttle):
    throttle(login="2/day")
    for i in range(2):
        body = {"username": f"spam{i}", "email": f"s{i}@example.com", "password": "a-long-passphrase-2026"}
        assert _register(body).status_code == 201
    body = {"username": "spam9", "email": "s9@example.com", "password": "a-long-passphrase-2026"}
    response = _register(body)
    assert response.status_code == 429
    assert not User.objects.filter(username="spam9").exists()
