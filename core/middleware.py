"""Django's session, user and messages middleware, for the pages that use them.

The admin and the other browser pages run on sessions, a session user and flash messages; the API
authenticates every request by its bearer token (DRF, core/authentication.py) and uses none of
them, and `/health` is anonymous. On those paths the three are skipped: no session cookie parsed,
no lazy user, no message storage, on every API request (bench/README.md measured the cost). They
are subclasses, so Django's admin checks still find them in MIDDLEWARE.
"""

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.middleware import locale
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

# Paths that never use a session (the API's schema and documentation pages are left alone).
SESSIONLESS_PREFIXES = ("/api/v1/", "/health")


class _SkippedWithoutSession:
    def __call__(self, request):
        if request.path_info.startswith(SESSIONLESS_PREFIXES):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_SkippedWithoutSession, sessions.SessionMiddleware):
    pass


class AuthenticationMiddleware(_SkippedWithoutSession, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_SkippedWithoutSession, messages.MessageMiddleware):
    pass


# Paths that answer in the API's language rule (JSON for programs, not pages for people).
API_PREFIXES = ("/api/", "/health")
API_DEFAULT_LANGUAGE = "en"


def accept_language_choice(accept_language: str) -> str | None:
    """The first of the client's Accept-Language choices that we speak (es, en, or a regional
    variant of either); None when it names neither."""
    for choice, quality in parse_accept_lang_header(accept_language or ""):
        if choice == "*" or quality <= 0:
            continue
        try:
            return get_supported_language_variant(choice)
        except LookupError:
            continue
    return None


def api_language(accept_language: str) -> str:
    """The API's language: what Accept-Language asks for, else English. Never a cookie or the
    site's default (Spanish, for the admin): a program gets what it asks for or English."""
    return accept_language_choice(accept_language) or API_DEFAULT_LANGUAGE


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's LocaleMiddleware for the admin and the pages (Accept-Language, else LANGUAGE_CODE:
    Spanish); `api_language` under /api/ and /health. Either way the whole answer (detail, field
    messages, labels) is in the one language activated here; Content-Language says which."""

    def process_request(self, request):
        if request.path_info.startswith(API_PREFIXES):
            language = api_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)
