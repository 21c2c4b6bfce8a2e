from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = _("Users and roles")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from core.login_guard import on_user_login_failed

        user_login_failed.connect(on_user_login_failed, dispatch_uid="core.login_guard.failures")
