"""Production settings and the headers they put on every answer."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "s" * 60,
    "ALLOWED_HOSTS": "billing.example.com",
    "DATABASE_URL": "sqlite:////tmp/h9-settings-probe.sqlite3",
}


def production_settings(**env) -> dict:
    """Import the settings module in a clean process, as a production server would."""
    clean = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("DEBUG", "SECRET_KEY", "JWT_", "CORS_", "SECURE_", "SESSION_", "CSRF_"))
    }
    probe = (
        "import json, config.settings as s; print(json.dumps({k: getattr(s, k) for k in ["
        "'SECURE_HSTS_SECONDS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'CORS_ALLOWED_ORIGINS', 'SECRET_KEY']} | {"
        "'SIGNING_KEY': s.SIMPLE_JWT['SIGNING_KEY'], "
        "'ACCESS_MINUTES': s.SIMPLE_JWT['ACCESS_TOKEN_LIFETIME'].total_seconds() / 60, "
        "'ROTATE': s.SIMPLE_JWT['ROTATE_REFRESH_TOKENS'], "
        "'BLACKLIST': s.SIMPLE_JWT['BLACKLIST_AFTER_ROTATION'], "
        "'HASHERS': s.PASSWORD_HASHERS}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env={**clean, **PRODUCTION_ENV, **env},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_pin_https_nosniff_frame_denial_and_secure_cookies():
    values = production_settings()
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True


def test_passwords_are_hashed_with_argon2_and_pbkdf2_hashes_still_verify():
    hashers = production_settings()["HASHERS"]
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers


def test_jwt_signing_key_is_separate_from_secret_key_when_configured():
    values = production_settings(JWT_SIGNING_KEY="j" * 60)
    assert values["SIGNING_KEY"] == "j" * 60
    assert values["SIGNING_KEY"] != values["SECRET_KEY"]


def test_access_tokens_are_short_lived_and_refresh_tokens_rotate_into_a_blacklist():
    values = production_settings()
    assert values["ACCESS_MINUTES"] <= 30
    assert values["ROTATE"] is True
    assert values["BLACKLIST"] is True


def test_cors_is_closed_unless_origins_are_configured():
    assert production_settings()["CORS_ALLOWED_ORIGINS"] == []
    configured = production_settings(CORS_ALLOWED_ORIGINS="https://app.example.com")
    assert configured["CORS_ALLOWED_ORIGINS"] == ["https://app.example.com"]


@pytest.mark.django_db
def test_https_answers_carry_hsts_and_nosniff(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/health", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_behind_a_tls_proxy_answers_carry_hsts(client, settings):
    # The proxy terminates TLS and says so in X-Forwarded-Proto (TRUST_X_FORWARDED_PROTO=true).
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/health", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_plain_http_answers_do_not_pin_hsts(client, settings):
    # Browsers ignore HSTS over plain HTTP; sending it there would only mislead a reader.
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/health")
    assert "Strict-Transport-Security" not in response


@pytest.mark.django_db
def test_admin_pages_refuse_to_be_framed(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_admin_session_and_csrf_cookies_are_secure_when_not_debug(client, admin_user, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    page = client.get("/admin/login/", secure=True)
    assert page.cookies["csrftoken"]["secure"] is True
    response = client.post(
        "/admin/login/",
        {"username": admin_user.username, "password": "correct-horse-battery", "next": "/admin/",
         "csrfmiddlewaretoken": page.cookies["csrftoken"].value},
        secure=True,
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


@pytest.mark.django_db
def test_cors_gives_no_allow_origin_to_an_unlisted_origin(client, settings):
    settings.CORS_ALLOWED_ORIGINS = []
    response = client.options(
        "/api/v1/payments", HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.django_db
def test_cors_preflight_from_a_configured_origin_may_send_the_idempotency_key(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = client.options(
        "/api/v1/payments", HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL only")
def test_postgres_sessions_have_a_statement_timeout_and_utc():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (timeout,) = cursor.fetchone()
        cursor.execute("SHOW timezone")
        (zone,) = cursor.fetchone()
    assert timeout == "30s"
    assert zone == "UTC"
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] == 5
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_MAX_AGE"] == 60


def test_check_deploy_is_clean_under_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECURE_", "SESSION_", "CSRF_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        # Spelled out: manage.py reads a developer's .env (written by `make run` for plain HTTP)
        # to fill whatever the environment leaves unset.
        cwd=ROOT, env={**env, **PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(50),
                       "SECURE_SSL_REDIRECT": "true", "SECURE_HSTS_SECONDS": "31536000",
                       "SESSION_COOKIE_SECURE": "true", "CSRF_COOKIE_SECURE": "true"},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
