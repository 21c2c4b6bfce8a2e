"""`migrate` runs without the web's statement timeout (a data migration over every invoice may take
longer), and gives the connection its own timeout back when it is done."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import pre_migrate

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's"),
]


def _statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_migrate_runs_without_the_statement_timeout_and_restores_it():
    seen_while_migrating = []

    def record(sender, **kwargs):
        seen_while_migrating.append(_statement_timeout())

    assert _statement_timeout() == "30s"  # DB_STATEMENT_TIMEOUT_MS's default, set per connection
    pre_migrate.connect(record, dispatch_uid="test.record_statement_timeout")
    try:
        call_command("migrate", verbosity=0)
    finally:
        pre_migrate.disconnect(dispatch_uid="test.record_statement_timeout")
    assert seen_while_migrating and set(seen_while_migrating) == {"0"}
    assert _statement_timeout() == "30s"
