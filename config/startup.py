"""Checks that stop a server from starting with settings that would leave it open.

Run by config/wsgi.py and config/asgi.py (the entry points that serve requests) rather than by the
settings module, so management commands and tests can still import the settings with a throwaway
key (`SECRET_KEY=x manage.py makemigrations`). Django's `check --deploy` reports the same key
problems (security.W009).
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECRET_KEY_MIN_LENGTH = 32
# Values copied from examples and templates: whoever copied one shares the key with everyone.
PLACEHOLDER_MARKERS = ("change-me", "changeme", "change_me", "insecure", "placeholder", "example",
                       "secret-key", "your-secret", "build-only", "not-for-production")


def secret_key_problem(key: str | None) -> str | None:
    """Why this key must not sign sessions and tokens in production, or None when it is fine."""
    if not key:
        return "it is empty"
    lowered = key.lower()
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return "it is a placeholder copied from an example"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    if len(set(key)) < 5:
        return "it has fewer than 5 different characters"
    return None


def refuse_unsafe_production_settings() -> None:
    """Raise ImproperlyConfigured when DEBUG is off and a signing key is weak."""
    if settings.DEBUG:
        return
    keys = {"SECRET_KEY": settings.SECRET_KEY, "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"]}
    for name, key in keys.items():
        problem = secret_key_problem(key)
        if problem:
            raise ImproperlyConfigured(
                f"{name} is refused with DEBUG off: {problem}. Generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
            )
