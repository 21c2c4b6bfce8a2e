"""Database session settings for operator commands."""

from django.db import connection


def statement_timeout_lift() -> None:
    """PostgreSQL: no statement timeout for this command's connection.

    DB_STATEMENT_TIMEOUT_MS guards web requests against runaway queries; an operator's batch job
    (a 600,000-invoice load or check, or a sweep waiting for another sweep's lock) may take longer.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
