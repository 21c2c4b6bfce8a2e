"""Payments are immutable in SQL too, so a raw UPDATE or DELETE cannot rewrite the books.

PostgreSQL refuses UPDATE and DELETE row by row; TRUNCATE (used by test flushes and
`seed --reset`) is a table operation and stays possible for operators.
SQLite refuses UPDATE; its flush is a plain DELETE, so DELETE is guarded in Python there.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION billing_payment_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'payments are immutable (% refused on billing_payment)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_payment_immutable
    BEFORE UPDATE OR DELETE ON billing_payment
    FOR EACH ROW EXECUTE FUNCTION billing_payment_refuse_change();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS billing_payment_immutable ON billing_payment;
DROP FUNCTION IF EXISTS billing_payment_refuse_change();
"""
SQLITE_FORWARD = """
CREATE TRIGGER billing_payment_immutable BEFORE UPDATE ON billing_payment
BEGIN
    SELECT RAISE(ABORT, 'payments are immutable (UPDATE refused on billing_payment)');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS billing_payment_immutable;"


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in sql_by_vendor:
            raise RuntimeError(f"no payment immutability trigger for database vendor {vendor!r}")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql_by_vendor[vendor])

    return run


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
