from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from core import audit, db_session
        from core.api import render_api_timestamps_in_utc

        audit.connect_signals()
        render_api_timestamps_in_utc()
        # migrate is an operator's batch job: no web statement timeout while it runs.
        pre_migrate.connect(db_session.migrate_timeout_lift, dispatch_uid="core.timeout_lift")
        post_migrate.connect(db_session.migrate_timeout_restore, dispatch_uid="core.timeout_restore")
