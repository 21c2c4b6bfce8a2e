"""Login throttles: per client IP and per username, so neither a single client guessing many
accounts nor many clients guessing one account get more than the `login` rate."""

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    """Reads its rate from the settings on each request (DRF copies them once, at import)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class LoginIPThrottle(_SettingsRateThrottle):
    scope = "login"

    def get_cache_key(self, request, view):
        return f"throttle:login:ip:{self.get_ident(request)}"


class LoginUsernameThrottle(_SettingsRateThrottle):
    scope = "login"

    def get_cache_key(self, request, view):
        data = request.data  # a malformed body raises ParseError here: a 400, as in the view
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None  # nothing to count per account; the IP throttle still applies
        # Hashed: a username is user input and may hold characters no cache key should carry.
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
        return f"throttle:login:user:{digest}"


class RegisterIPThrottle(_SettingsRateThrottle):
    """Account creation shares the login rate, per IP, so nobody mass-creates accounts."""

    scope = "login"

    def get_cache_key(self, request, view):
        return f"throttle:register:ip:{self.get_ident(request)}"
