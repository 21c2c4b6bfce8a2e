import functools

import structlog
from django.apps import AppConfig
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import post_migrate, pre_migrate

logger = structlog.get_logger(__name__)


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        pre_migrate.connect(_guard_views_in_plan, sender=self)
        post_migrate.connect(_create_missing_views, sender=self)


def _applied_definitions(connection) -> dict[str, str] | None:
    from reports.sqlviews import latest_applied_definitions

    # The loader's count, not the recorder's rows: a squashed migration is applied once everything
    # it replaces is, which is all a database migrated before the squash records (and all a fresh
    # one records during `migrate`, which adds the squashed name only at the end of the run).
    applied = MigrationLoader(connection, ignore_no_migrations=True).applied_migrations
    return latest_applied_definitions(name for app, name in applied if app == "reports")


def _guarded(run, migration, project_state, schema_editor, collect_sql=False):
    """Run a migration (apply or unapply); around it, if it rewrites a table the views read, drop
    the views and recreate them in the migration's transaction.

    Atomic migration (every migration on PostgreSQL and SQLite unless `atomic = False`): the drop,
    the migration and the recreate commit together, so other sessions never see the views missing
    (PostgreSQL makes a report read wait for the commit), and a failure rolls the drop back with
    the rest. A non-atomic migration that fails gets its views recreated here before the error
    goes on.
    """
    from reports.sqlviews import migration_rewrites_view_tables, views_create, views_drop

    connection = schema_editor.connection
    if collect_sql or not migration_rewrites_view_tables(migration, project_state, connection.vendor):
        return run(project_state, schema_editor, collect_sql)
    definitions = _applied_definitions(connection)
    if not definitions:
        return run(project_state, schema_editor, collect_sql)  # no views yet (a fresh database)
    views_drop(connection, definitions)
    try:
        state = run(project_state, schema_editor, collect_sql)
    except BaseException:
        if not schema_editor.atomic_migration:
            try:
                views_create(connection, definitions)
            except Exception:
                logger.exception("report_views_restore_failed", migration=str(migration))
        raise
    views_create(connection, definitions)
    return state


def _guard_views_in_plan(sender, using, plan=None, **kwargs):
    """pre_migrate: wrap each migration of the run in `_guarded` (as contenttypes injects its
    rename operations into the plan); only those that rewrite a view's table touch the views."""
    for migration, _backwards in plan or ():
        if getattr(migration, "_report_views_guarded", False):
            continue
        migration.apply = functools.partial(_guarded, migration.apply, migration)
        migration.unapply = functools.partial(_guarded, migration.unapply, migration)
        migration._report_views_guarded = True


def _create_missing_views(sender, using, plan=None, **kwargs):
    """post_migrate: a database whose views were lost (dropped by hand, or by an interrupted run of
    an older release, which dropped them for the whole run) gets them back; present ones are left
    as they are. Not on `flush` (plan None), which never touches them."""
    if plan is None:
        return
    from reports.sqlviews import views_create

    connection = connections[using]
    definitions = _applied_definitions(connection)
    if not definitions:
        return
    with connection.cursor() as cursor:
        present = {info.name for info in connection.introspection.get_table_list(cursor) if info.type == "v"}
    missing = {name: stem for name, stem in definitions.items() if name not in present}
    if missing:
        logger.warning("report_views_recreated", views=sorted(missing))
        views_create(connection, missing)
