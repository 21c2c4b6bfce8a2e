"""Login and registration throttles.

Login counts failed logins per client address (core.login_guard), not attempts and not per
username: failing from ten addresses cannot lock the right password out of an eleventh.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from core.login_guard import login_refused_for


class _SettingsRateThrottle(SimpleRateThrottle):
    """Reads its rate from the settings on each request (DRF copies them once, at import)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class LoginFailureThrottle(BaseThrottle):
    """429 for an address with `login`-rate failed logins in the current window (one cache read)."""

    def allow_request(self, request, view):
        self._wait = login_refused_for(request)
        return self._wait is None

    def wait(self):
        return self._wait


class RegisterIPThrottle(_SettingsRateThrottle):
    """Account creation shares the login rate, per IP, so nobody mass-creates accounts."""

    scope = "login"

    def get_cache_key(self, request, view):
        return f"throttle:register:ip:{self.get_ident(request)}"
