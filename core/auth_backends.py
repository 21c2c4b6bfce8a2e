from axes.backends import AxesBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings


class AdminBruteForceGuard(AxesBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS; never logs anyone in itself.

    axes refuses `authenticate()` calls without a request; scripts, management commands and
    services that check a password outside a request are not login attempts it can track, so
    they pass through to ModelBackend instead of failing. (AxesBackend, not the standalone one:
    `Client.force_login` and sessions record the first backend, which must be able to load users.)
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        from core.login_guard import login_refused_for

        # The per-address limit (core.login_guard) on the admin login too: axes alone locks a
        # username+address pair, so one address could try every username.
        if settings.AXES_ENABLED and _is_admin_login(request) and login_refused_for(request) is not None:
            request.axes_locked_out = True  # axes' middleware answers with its lockout page (429)
            raise AxesBackendPermissionDenied("Too many failed logins from this address.")
        return super().authenticate(request, username=username, password=password, **kwargs)


def _is_admin_login(request) -> bool:
    from django.urls import reverse

    return request.path == reverse("admin:login")
