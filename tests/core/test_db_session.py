"""`migrate` runs without the web's statement timeout: a data migration over every invoice may take longer."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's"),
]


def _statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_migrate_lifts_the_statement_timeout_of_its_connection():
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 30000")
    assert _statement_timeout() == "30s"
    call_command("migrate", verbosity=0)
    assert _statement_timeout() == "0"
