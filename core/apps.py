from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import audit
        from core.api import render_api_timestamps_in_utc

        audit.connect_signals()
        render_api_timestamps_in_utc()
