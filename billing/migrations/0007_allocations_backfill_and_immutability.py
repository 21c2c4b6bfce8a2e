"""Every existing payment becomes one allocation of its whole amount to its invoice (the seed's
one-payment-one-invoice books, unchanged in meaning), and the immutability guards learn the new
tables.

Payments stay immutable in SQL, except for their three running figures, which only billing.services
writes under the family's or the invoice's lock: `allocated_amount`, `refunded_amount` and
`is_reversed` (which may only go from false to true). Allocations, credit notes, reversals, refunds
and refund sources are insert-only: PostgreSQL refuses UPDATE and DELETE row by row (TRUNCATE, used
by test flushes and `seed --reset`, stays possible for operators); SQLite refuses UPDATE (its flush
is a plain DELETE, so DELETE is guarded in Python there).
"""

from django.db import migrations

_PAYMENT_FIXED_COLUMNS = (
    "id, number, school_id, invoice_id, family_id, amount, payment_date, method, reference, "
    "created_by_id, created_at"
)
_INSERT_ONLY_TABLES = (
    "billing_allocation", "billing_creditnote", "billing_paymentreversal", "billing_refund",
    "billing_refundsource",
)

POSTGRES_FORWARD = f"""
DROP TRIGGER IF EXISTS billing_payment_immutable ON billing_payment;
DROP FUNCTION IF EXISTS billing_payment_refuse_change();
CREATE OR REPLACE FUNCTION billing_payment_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'payments are immutable (DELETE refused on billing_payment)'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF ROW({', '.join('NEW.' + c.strip() for c in _PAYMENT_FIXED_COLUMNS.split(','))})
           IS DISTINCT FROM
       ROW({', '.join('OLD.' + c.strip() for c in _PAYMENT_FIXED_COLUMNS.split(','))})
       OR (OLD.is_reversed AND NOT NEW.is_reversed) THEN
        RAISE EXCEPTION 'payments are immutable (UPDATE refused on billing_payment)'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_payment_immutable
    BEFORE UPDATE OR DELETE ON billing_payment
    FOR EACH ROW EXECUTE FUNCTION billing_payment_guard();
CREATE OR REPLACE FUNCTION billing_record_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'money records are immutable (% refused on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION billing_record_refuse_change();
"""
    for table in _INSERT_ONLY_TABLES
)

POSTGRES_BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};\n" for table in _INSERT_ONLY_TABLES) + """
DROP FUNCTION IF EXISTS billing_record_refuse_change();
DROP TRIGGER IF EXISTS billing_payment_immutable ON billing_payment;
DROP FUNCTION IF EXISTS billing_payment_guard();
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

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS billing_payment_immutable",
    f"""CREATE TRIGGER billing_payment_immutable BEFORE UPDATE OF {_PAYMENT_FIXED_COLUMNS} ON billing_payment
    BEGIN SELECT RAISE(ABORT, 'payments are immutable (UPDATE refused on billing_payment)'); END""",
    """CREATE TRIGGER billing_payment_stays_reversed BEFORE UPDATE OF is_reversed ON billing_payment
    WHEN OLD.is_reversed AND NOT NEW.is_reversed
    BEGIN SELECT RAISE(ABORT, 'payments are immutable (a reversal cannot be undone)'); END""",
    *(
        f"""CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, 'money records are immutable (UPDATE refused on {table})'); END"""
        for table in _INSERT_ONLY_TABLES
    ),
]
SQLITE_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_immutable" for table in _INSERT_ONLY_TABLES),
    "DROP TRIGGER IF EXISTS billing_payment_stays_reversed",
    "DROP TRIGGER IF EXISTS billing_payment_immutable",
    """CREATE TRIGGER billing_payment_immutable BEFORE UPDATE ON billing_payment
    BEGIN SELECT RAISE(ABORT, 'payments are immutable (UPDATE refused on billing_payment)'); END""",
]

BATCH = 5000


def _execute(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for statement in [statements] if isinstance(statements, str) else statements:
            cursor.execute(statement)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"no payment immutability trigger for database vendor {vendor!r}")
    # The old trigger refuses every UPDATE: the backfill runs between the two guards.
    _execute(schema_editor, "DROP TRIGGER IF EXISTS billing_payment_immutable" + (
        " ON billing_payment" if vendor == "postgresql" else ""))
    Payment = apps.get_model("billing", "Payment")
    Allocation = apps.get_model("billing", "Allocation")
    rows = Payment.objects.filter(invoice__isnull=False).values_list("pk", "invoice_id", "amount")
    batch = []
    for payment_id, invoice_id, amount in rows.iterator(chunk_size=BATCH):
        batch.append(Allocation(payment_id=payment_id, invoice_id=invoice_id, amount=amount))
        if len(batch) >= BATCH:
            Allocation.objects.bulk_create(batch)
            batch = []
    Allocation.objects.bulk_create(batch)
    _execute(schema_editor, "UPDATE billing_payment SET allocated_amount = amount WHERE invoice_id IS NOT NULL")
    _execute(schema_editor, POSTGRES_FORWARD if vendor == "postgresql" else SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _execute(schema_editor, POSTGRES_BACKWARD if vendor == "postgresql" else SQLITE_BACKWARD)
    # Allocations go with their table (0006 reversed); allocated_amount goes with its column.


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_allocations_and_corrections")]

    operations = [migrations.RunPython(forward, backward)]
