"""Database session settings for operator commands."""

from django.db import DEFAULT_DB_ALIAS, connection, connections


def statement_timeout_lift(using: str | None = None) -> None:
    """PostgreSQL: no statement timeout for this command's connection.

    DB_STATEMENT_TIMEOUT_MS guards web requests against runaway queries; an operator's batch job
    (a 600,000-invoice load or check, or a sweep waiting for another sweep's lock) may take longer.
    """
    conn = connections[using] if using else connection
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


def migrate_timeout_lift(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """pre_migrate: `migrate` is an operator's batch job too. A data migration over every invoice
    (such as the invoice-lines backfill that came with invoice lines: 600,000 rows on the
    benchmark's large size) outlasts the web's 30 s guard, and a migration cancelled half-way fails
    the release."""
    statement_timeout_lift(using)


def migrate_timeout_restore(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: back to the connection's own timeout (DB_STATEMENT_TIMEOUT_MS), for a process
    that goes on using the connection (the test runner creates its database with migrate)."""
    conn = connections[using]
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
