"""PostgreSQL: the due-date and payment-date indexes also carry the money columns (INCLUDE).

Statements and reports sum `amount`/`paid_amount` (and check `status`) over one student's or one
school's invoices, and sum `amount` over a school's payments. With the columns in the index those
sums are index-only scans instead of one heap visit per row: measured on the benchmark's large
dataset (bench/README.md), the students-balance report of a 500-student school went from ~50 ms
to ~25 ms of SQL.

The indexes keep their names and key columns, so Django's model state (billing.models, plain
indexes) stays true and any later migration that drops or renames them still works; SQLite has no
INCLUDE and keeps its plain indexes. Built CONCURRENTLY (hence non-atomic) so a live database keeps
taking payments while they build; the old index is dropped only once its replacement exists.
"""

from django.db import migrations

# name -> (table, key columns, included columns)
COVERING = {
    "invoice_student_due_idx": ("billing_invoice", "student_id, due_date", "amount, paid_amount, status"),
    "invoice_school_due_idx": ("billing_invoice", "school_id, due_date", "amount, paid_amount, status"),
    "payment_school_date_idx": ("billing_payment", "school_id, payment_date", "amount"),
}


def _rebuild(schema_editor, *, covering: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, (table, keys, included) in COVERING.items():
            tmp = f"{name}_new"
            include = f" INCLUDE ({included})" if covering else ""
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {tmp}")
            cursor.execute(f"CREATE INDEX CONCURRENTLY {tmp} ON {table} ({keys}){include}")
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            cursor.execute(f"ALTER INDEX {tmp} RENAME TO {name}")


def forwards(apps, schema_editor):
    _rebuild(schema_editor, covering=True)


def backwards(apps, schema_editor):
    _rebuild(schema_editor, covering=False)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("billing", "0003_payment_immutable_trigger"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
