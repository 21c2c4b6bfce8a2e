"""Issue 13, item 2: the documented deployment is closed by default."""

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from users.models import User

ROOT = Path(__file__).resolve().parents[2]


def _serve(env: dict) -> subprocess.CompletedProcess:
    """Load the WSGI application in a clean process, as gunicorn does."""
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "DEBUG", "JWT_SIGNING_KEY", "TRUST_X_FORWARDED_PROTO"}}
    return subprocess.run(
        [sys.executable, "-c", "import config.wsgi, config.asgi; from django.conf import settings; "
                               "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"],
        cwd=ROOT, env={**clean, "DATABASE_URL": "sqlite:////tmp/i13-serve-probe.sqlite3", **env},
        capture_output=True, text=True, timeout=60,
    )


WEAK_KEYS = ["change-me", "short-but-real-7Qx", "s" * 60, "django-insecure-" + "a1b2c3" * 8]


@pytest.mark.parametrize("key", WEAK_KEYS)
def test_a_server_with_debug_off_refuses_a_placeholder_or_short_secret_key(key):
    result = _serve({"DEBUG": "false", "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY is refused" in result.stderr


def test_a_generated_key_serves_and_debug_accepts_a_throwaway_one():
    assert _serve({"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50)}).returncode == 0
    assert _serve({"DEBUG": "true", "SECRET_KEY": "change-me"}).returncode == 0


def test_a_weak_separate_jwt_signing_key_is_refused_too():
    result = _serve({"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "JWT_SIGNING_KEY": "jwt"})
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY is refused" in result.stderr


def test_the_proxy_https_header_is_trusted_only_when_configured():
    key = secrets.token_urlsafe(50)
    assert _serve({"DEBUG": "false", "SECRET_KEY": key}).stdout.strip() == "None"
    trusted = _serve({"DEBUG": "false", "SECRET_KEY": key, "TRUST_X_FORWARDED_PROTO": "true"})
    assert trusted.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.django_db
def test_demo_users_is_refused_outside_a_demo(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refused outside a demo"):
        call_command("demo_users", stdout=io.StringIO())
    assert not User.objects.filter(username="superadmin").exists()
    call_command("demo_users", "--demo", stdout=io.StringIO())
    assert User.objects.filter(username="superadmin", is_superuser=True).exists()


def test_env_example_does_not_ship_a_usable_secret_key():
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("SECRET_KEY="):
            assert line.split("=", 1)[1].split("#")[0].strip() == ""


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_publishes_only_the_api_and_only_on_loopback():
    services = _compose()["services"]
    for name, service in services.items():
        for port in service.get("ports", []):
            text = port if isinstance(port, str) else f"{port.get('host_ip', '')}:{port.get('published')}"
            assert text.startswith("127.0.0.1:"), (name, port)
    assert "ports" not in services["db"] and "ports" not in services["redis"]


def test_compose_takes_every_password_from_the_environment_and_redis_requires_one():
    text = (ROOT / "docker-compose.yml").read_text()
    for literal in ("billing_secret", "PGADMIN_DEFAULT_PASSWORD: admin", "admin@admin.com"):
        assert literal not in text
    services = _compose()["services"]
    assert "${POSTGRES_PASSWORD:?" in services["db"]["environment"]["POSTGRES_PASSWORD"]
    assert "--requirepass" in " ".join(services["redis"]["command"])
    assert "${REDIS_PASSWORD" in services["api"]["environment"]["REDIS_URL"]
    # pgAdmin only when asked for (a profile), with an operator-set password.
    assert services["pgadmin"]["profiles"] == ["tools"]
    assert "${PGADMIN_PASSWORD:?" in services["pgadmin"]["environment"]["PGADMIN_DEFAULT_PASSWORD"]
