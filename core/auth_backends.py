from axes.backends import AxesBackend


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
        return super().authenticate(request, username=username, password=password, **kwargs)
