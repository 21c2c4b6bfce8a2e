"""The report views: which SQL file defines each one, and how they are created and dropped.

Each view is defined by one `.sql` file per database vendor in `reports/migrations/sql/`
(`<migration>_<view>.<vendor>.sql`). A migration creates a set of definitions with
`views_create` and its reverse drops them (or restores the previous set).

Views are derived objects, so `migrate` drops them before it runs anything and recreates the
latest applied definitions once it is done (see `reports.apps`). Without that, any later
migration of another app that rebuilds a table a view reads would fail: SQLite's table
rebuild ends with `ALTER TABLE ... RENAME`, which refuses to run while a view names the
dropped table, and PostgreSQL refuses to change the type of a column a view uses.
"""

from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

SQL_DIR = Path(__file__).resolve().parent / "migrations" / "sql"
VENDORS = ("postgresql", "sqlite")

# Every definition set, oldest first: (migration name, {view name: sql file stem}). A migration
# that changes a view appends a new entry here and ships new .sql files; old files stay.
VIEW_DEFINITIONS: list[tuple[str, dict[str, str]]] = [
    (
        "0001_views",
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
    (
        # Credit notes and reversals (DESIGN-CYCLE.md "Corrections"): pending is the balance, net of
        # credit notes; collections are net of reversals on the reversal's date.
        "0003_views_credit_and_reversals",
        {
            "reports_student_balance": "0003_student_balance",
            "reports_school_summary": "0003_school_summary",
            "reports_invoice_details": "0003_invoice_details",
            "reports_overdue_invoices": "0003_overdue_invoices",
            "reports_payment_history": "0001_payment_history",
            "reports_daily_collections": "0003_daily_collections",
            "reports_monthly_revenue": "0003_monthly_revenue",
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
    """The definition set of the latest applied view migration; None when none is applied."""
    applied = set(applied_migration_names)
    for migration_name, definitions in reversed(VIEW_DEFINITIONS):
        if migration_name in applied:
            return definitions
    return None
