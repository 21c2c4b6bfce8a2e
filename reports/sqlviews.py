"""The report views: which SQL file defines each one, and how they are created and dropped.

Each view is defined by one `.sql` file per database vendor in `reports/migrations/sql/`
(`<migration>_<view>.<vendor>.sql`). A migration creates a set of definitions with
`views_create` and its reverse drops them (or restores the previous set). A change to a view's SQL
is a new reports migration with new files (old files stay): that migration recreates them.

Views are derived objects that other apps' migrations can trip over: SQLite's table rebuild ends
with `ALTER TABLE ... RENAME`, which refuses to run while a view names the dropped table, and
PostgreSQL refuses to change the type of, or drop, a column a view uses. So `migrate` wraps each
migration that rewrites a table the views read (`migration_rewrites_view_tables`) in a drop and a
recreate of the views, inside that migration's transaction (see `reports.apps`): readers never
see them missing (on PostgreSQL they wait for the migration's commit), a failed migration rolls
the drop back, and every other migration, or a `migrate` with nothing to apply, leaves them
untouched.
"""

import functools
import re
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

SQL_DIR = Path(__file__).resolve().parent / "migrations" / "sql"
VENDORS = ("postgresql", "sqlite")

# Every definition set, oldest first: (migration name, {view name: sql file stem}). A migration
# that changes a view appends a new entry here and ships new .sql files; old files stay (its reverse
# restores them).
VIEW_DEFINITIONS: list[tuple[str, dict[str, str]]] = [
    (
        # Pending is the balance, net of credit notes; collections are net of reversals on the
        # reversal's date (DESIGN-CYCLE.md "Corrections").
        "0001_squashed_0003_views_credit_and_reversals",
        {
            "reports_student_balance": "0001_student_balance",
            "reports_school_summary": "0001_school_summary",
            "reports_invoice_details": "0001_invoice_details",
            "reports_overdue_invoices": "0001_overdue_invoices",
            "reports_payment_history": "0001_payment_history",
            "reports_daily_collections": "0001_daily_collections",
            "reports_monthly_revenue": "0001_monthly_revenue",
        },
    ),
]


def _check_vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in VENDORS:
        raise NotImplementedError(
            f"The report views have no SQL for the {connection.vendor!r} database; "
            f"add reports/migrations/sql/*.{connection.vendor}.sql files first."
        )
    return connection.vendor


def view_sql(stem: str, vendor: str) -> str:
    return (SQL_DIR / f"{stem}.{vendor}.sql").read_text()


def views_drop(connection: BaseDatabaseWrapper, names) -> None:
    """Drop these views if they exist (reverse creation order)."""
    _check_vendor(connection)
    with connection.cursor() as cursor:
        for name in reversed(list(names)):
            cursor.execute(f"DROP VIEW IF EXISTS {connection.ops.quote_name(name)}")


def views_create(connection: BaseDatabaseWrapper, definitions: dict[str, str]) -> None:
    """(Re)create each view from its .sql file for this connection's vendor."""
    vendor = _check_vendor(connection)
    views_drop(connection, definitions)
    with connection.cursor() as cursor:
        for stem in definitions.values():
            cursor.execute(view_sql(stem, vendor))


def all_view_names() -> list[str]:
    names: list[str] = []
    for _migration, definitions in VIEW_DEFINITIONS:
        names.extend(name for name in definitions if name not in names)
    return names


def latest_applied_definitions(applied_migration_names) -> dict[str, str] | None:
    """The definition set of the latest applied view migration; None when none is applied.

    `applied_migration_names`: the reports migrations applied as Django's MigrationLoader counts
    them, so that a squashed migration counts once all it replaces is applied (see reports.apps).
    """
    applied = set(applied_migration_names)
    for migration_name, definitions in reversed(VIEW_DEFINITIONS):
        if migration_name in applied:
            return definitions
    return None


@functools.cache
def view_tables() -> frozenset[str]:
    """The tables the views read: every identifier in any definition's SQL that is not a view.

    Over-inclusive on purpose (SQL keywords and column names are in the set too; no table is named
    like them): a false "reads it" costs one needless recreate, a missed table a failed migrate.
    """
    words: set[str] = set()
    for _migration, definitions in VIEW_DEFINITIONS:
        for stem in definitions.values():
            for vendor in VENDORS:
                words.update(re.findall(r"[a-z_][a-z0-9_]*", view_sql(stem, vendor).lower()))
    return frozenset(words - set(all_view_names()))


def _table(project_state, app_label: str, model_name: str) -> str:
    model_state = project_state.models.get((app_label, model_name.lower()))
    if model_state is not None and model_state.options.get("db_table"):
        return model_state.options["db_table"].lower()
    return f"{app_label}_{model_name}".lower()


def _operation_rewrites(operation, app_label: str, project_state, vendor: str, tables) -> bool:
    from django.db.migrations import operations as ops

    if isinstance(operation, ops.SeparateDatabaseAndState):
        return any(_operation_rewrites(op, app_label, project_state, vendor, tables)
                   for op in operation.database_operations)
    if isinstance(operation, ops.RunSQL):
        sql = operation.sql if isinstance(operation.sql, (list, tuple)) else [operation.sql]
        text = " ".join(str(s[0] if isinstance(s, (list, tuple)) else s) for s in sql).lower()
        return bool(tables & set(re.findall(r"[a-z_][a-z0-9_]*", text)))
    # A new table, a new or dropped index, options kept in the migration state, data: no existing
    # table's columns are rewritten. (RunPython is data; a RunPython that alters a table the views
    # read sets `touches_report_views = True` on its Migration.)
    if isinstance(operation, (ops.CreateModel, ops.AlterModelOptions, ops.AlterModelManagers,
                              ops.AddIndex, ops.RemoveIndex, ops.RenameIndex, ops.RunPython)):
        return False
    # PostgreSQL adds a column or a constraint next to a view; SQLite rebuilds the table for either.
    if vendor == "postgresql" and isinstance(operation, (
        ops.AddField, ops.AddConstraint, ops.RemoveConstraint, ops.AlterConstraint,
        ops.AlterUniqueTogether, ops.AlterModelTableComment,
    )):
        return False
    if isinstance(operation, ops.RenameModel):
        model_name = operation.old_name
    else:
        model_name = getattr(operation, "model_name", None) or getattr(operation, "name", None)
    if not isinstance(model_name, str):
        return False
    return _table(project_state, app_label, model_name) in tables


def migration_rewrites_view_tables(migration, project_state, vendor: str) -> bool:
    """Whether `migration` may alter or drop a table (or column) the report views read.

    `project_state` is the state the migration starts from (or, backwards, the one it undoes). A
    Migration class can decide for itself with `touches_report_views = True/False`.
    """
    declared = getattr(migration, "touches_report_views", None)
    if declared is not None:
        return bool(declared)
    if migration.app_label == "reports":
        return False  # its own migrations create the views they define, and its models are views
    tables = view_tables()
    return any(_operation_rewrites(op, migration.app_label, project_state, vendor, tables)
               for op in migration.operations)
