from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import pre_migrate

        from core import audit
        from core.api import render_api_timestamps_in_utc
        from core.db_session import statement_timeout_lift_for_migrate

        audit.connect_signals()
        render_api_timestamps_in_utc()
        pre_migrate.connect(statement_timeout_lift_for_migrate, dispatch_uid="core.statement_timeout_lift")
