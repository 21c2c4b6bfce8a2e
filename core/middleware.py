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
