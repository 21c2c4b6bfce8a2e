from django.apps import AppConfig
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate, pre_migrate


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        pre_migrate.connect(_drop_views_before_migrate, sender=self)
        post_migrate.connect(_create_views_after_migrate, sender=self)


def _drop_views_before_migrate(sender, using, plan=None, **kwargs):
    """Views read other apps' tables; drop them while migrations may rebuild those tables.

    SQLite rebuilds a table to alter it and its final RENAME fails while a view names the old
    table; PostgreSQL refuses to change a column a view uses. The views come back, in their latest
    applied definition, when the run is over.
    """
    if not plan:
        return
    from reports.sqlviews import all_view_names, views_drop

    connection = connections[using]
    views_drop(connection, all_view_names())
    connection.reports_views_deferred = True


def _create_views_after_migrate(sender, using, plan=None, **kwargs):
    if not plan:
        return
    from reports.sqlviews import latest_applied_definitions, views_create

    connection = connections[using]
    connection.reports_views_deferred = False
    applied = [name for app, name in MigrationRecorder(connection).applied_migrations() if app == "reports"]
    definitions = latest_applied_definitions(applied)
    if definitions:
        views_create(connection, definitions)
