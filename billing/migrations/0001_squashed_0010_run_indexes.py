"""Billing's schema in one migration: replaces 0001-0010 (squashed 2026-12; an install upgrades to
this release from the previous one, whose migrations it has applied, and nothing runs).

The model state comes from the models; the rest of the schema is here as the old chain left it:
- the immutability triggers (0003, then 0007): payments keep their fixed columns, and the money
  records (allocations, credit notes, reversals, refunds, refund sources) are insert-only.
  PostgreSQL refuses UPDATE and DELETE row by row (TRUNCATE, used by test flushes and
  `seed --reset`, stays possible for operators); SQLite refuses UPDATE (its flush is a plain
  DELETE, so DELETE is guarded in Python there);
- PostgreSQL's covering indexes (0004): the due-date and payment-date indexes carry the money
  columns (INCLUDE), same names and keys as the model state, so the sums of statements and
  reports are index-only scans; SQLite has no INCLUDE and keeps the plain ones;
- PostgreSQL's report indexes (0005), outside the model state: invoices by due date, and the open
  ones alone (the predicate billing.querysets and the report views write). SQLite has none: the
  old chain's later rebuilds of billing_invoice dropped them there, and a fresh database is built
  as one migrated through the old chain.

Not carried over: the backfills (0007's allocations of existing payments, 0009's invoice lines of
existing invoices), which only mattered for rows older than the tables they filled.
"""

import django.db.models.deletion
import django.db.models.expressions
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models

_PAYMENT_FIXED_COLUMNS = (
    "id, number, school_id, invoice_id, family_id, amount, payment_date, method, reference, "
    "created_by_id, created_at"
)
_INSERT_ONLY_TABLES = (
    "billing_allocation", "billing_creditnote", "billing_paymentreversal", "billing_refund",
    "billing_refundsource",
)

# Payments: only the three running figures billing.services writes may change, and is_reversed
# only from false to true.
TRIGGERS = {
    "postgresql": [f"""
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
    )],
    "sqlite": [
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
    ],
}
TRIGGERS_DROP = {
    "postgresql": [
        *(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}" for table in _INSERT_ONLY_TABLES),
        "DROP FUNCTION IF EXISTS billing_record_refuse_change()",
        "DROP TRIGGER IF EXISTS billing_payment_immutable ON billing_payment",
        "DROP FUNCTION IF EXISTS billing_payment_guard()",
    ],
    "sqlite": [
        *(f"DROP TRIGGER IF EXISTS {table}_immutable" for table in _INSERT_ONLY_TABLES),
        "DROP TRIGGER IF EXISTS billing_payment_stays_reversed",
        "DROP TRIGGER IF EXISTS billing_payment_immutable",
    ],
}

# name -> (table, key columns, included columns)
_COVERING = {
    "invoice_student_due_idx": ("billing_invoice", "student_id, due_date", "amount, paid_amount, status"),
    "invoice_school_due_idx": ("billing_invoice", "school_id, due_date", "amount, paid_amount, status"),
    "payment_school_date_idx": ("billing_payment", "school_id, payment_date", "amount"),
}
_REPORT_INDEXES = {
    "report_invoice_due_idx": "ON billing_invoice (due_date)",
    "report_invoice_open_due_idx": (
        "ON billing_invoice (due_date) INCLUDE (school_id, amount, paid_amount)"
        " WHERE status <> 'CANCELLED' AND paid_amount < amount"
    ),
}
INDEXES = {
    "postgresql": [
        *(
            statement
            for name, (table, keys, included) in _COVERING.items()
            for statement in (f"DROP INDEX {name}", f"CREATE INDEX {name} ON {table} ({keys}) INCLUDE ({included})")
        ),
        *(f"CREATE INDEX {name} {definition}" for name, definition in _REPORT_INDEXES.items()),
    ],
    "sqlite": [],
}
INDEXES_DROP = {
    "postgresql": [
        *(f"DROP INDEX IF EXISTS {name}" for name in reversed(_REPORT_INDEXES)),
        *(
            statement
            for name, (table, keys, _included) in _COVERING.items()
            for statement in (f"DROP INDEX {name}", f"CREATE INDEX {name} ON {table} ({keys})")
        ),
    ],
    "sqlite": [],
}


def _execute(statements_by_vendor):
    """RunPython code that runs this vendor's statements: the SQL differs between PostgreSQL and
    SQLite, and any other database fails loudly rather than miss a guard."""

    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise NotImplementedError(f"no billing triggers or indexes for database vendor {vendor!r}")
        with schema_editor.connection.cursor() as cursor:
            for statement in statements_by_vendor[vendor]:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):

    replaces = [
        ('billing', '0001_initial'),
        ('billing', '0002_initial'),
        ('billing', '0003_payment_immutable_trigger'),
        ('billing', '0004_covering_indexes'),
        ('billing', '0005_report_indexes'),
        ('billing', '0006_allocations_and_corrections'),
        ('billing', '0007_allocations_backfill_and_immutability'),
        ('billing', '0008_fee_concepts_and_lines'),
        ('billing', '0009_invoice_lines_backfill'),
        ('billing', '0010_run_indexes'),
    ]

    initial = True

    dependencies = [
        ('families', '0001_initial'),
        ('schools', '0001_squashed_0002_school_earliest_payment_date'),
        ('students', '0001_squashed_0002_student_family_curp_level'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FeeConcept',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('code', models.CharField(max_length=30, verbose_name='code')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('kind', models.CharField(choices=[('TUITION', 'Tuition (colegiatura)'), ('ENROLLMENT', 'Enrollment (inscripción)'), ('MATERIALS', 'Materials'), ('SERVICE', 'Service (transport, food…)'), ('SURCHARGE', 'Late fee (recargo)'), ('OTHER', 'Other')], max_length=12, verbose_name='kind')),
                ('deductible', models.BooleanField(default=False, verbose_name='deductible (IEDU)')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='fee_concepts', to='schools.school', verbose_name='school')),
            ],
            options={
                'verbose_name': 'fee concept',
                'verbose_name_plural': 'fee concepts',
                'ordering': ['code'],
                'constraints': [models.UniqueConstraint(fields=('school', 'code'), name='feeconcept_unique_code'), models.CheckConstraint(condition=models.Q(('kind__in', ['TUITION', 'ENROLLMENT', 'MATERIALS', 'SERVICE', 'SURCHARGE', 'OTHER'])), name='feeconcept_kind_valid')],
            },
        ),
        migrations.CreateModel(
            name='Invoice',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('number', models.CharField(editable=False, max_length=20, verbose_name='number')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                ('paid_amount', models.DecimalField(decimal_places=2, default=0, editable=False, max_digits=12, verbose_name='paid amount')),
                ('credited_amount', models.DecimalField(db_default=0, decimal_places=2, default=0, editable=False, max_digits=12, verbose_name='credited amount')),
                ('due_date', models.DateField(verbose_name='due date')),
                ('status', models.CharField(choices=[('PENDING', 'Pending'), ('PARTIAL', 'Partial'), ('PAID', 'Paid'), ('OVERDUE', 'Overdue'), ('CANCELLED', 'Cancelled')], default='PENDING', editable=False, max_length=10, verbose_name='status')),
                ('description', models.CharField(blank=True, max_length=255, verbose_name='description')),
                ('early_payment_until', models.DateField(blank=True, editable=False, null=True, verbose_name='early payment until')),
                ('early_payment_amount', models.DecimalField(blank=True, decimal_places=2, editable=False, max_digits=12, null=True, verbose_name='early payment amount')),
                ('surcharge_tier', models.PositiveSmallIntegerField(blank=True, editable=False, null=True)),
                ('cancel_reason', models.CharField(blank=True, db_default='', default='', editable=False, max_length=255, verbose_name='cancellation reason')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invoices', to='schools.school', verbose_name='school')),
                ('student', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invoices', to='students.student', verbose_name='student')),
                ('surcharge_of', models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='surcharges', to='billing.invoice', verbose_name='surcharge of')),
            ],
            options={
                'verbose_name': 'invoice',
                'verbose_name_plural': 'invoices',
                'ordering': ['-due_date', '-created_at'],
                'indexes': [models.Index(fields=['school', 'status'], name='invoice_school_status_idx'), models.Index(fields=['student', 'status'], name='invoice_student_status_idx'), models.Index(fields=['status', 'due_date'], name='invoice_status_due_idx')],
                'constraints': [models.UniqueConstraint(fields=('school', 'number'), name='invoice_unique_number_per_school'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='invoice_amount_positive'), models.CheckConstraint(condition=models.Q(('paid_amount__gte', 0)), name='invoice_paid_not_negative'), models.CheckConstraint(condition=models.Q(('paid_amount__lte', models.F('amount'))), name='invoice_paid_not_above_amount'), models.CheckConstraint(condition=models.Q(('credited_amount__gte', 0)), name='invoice_credited_not_negative'), models.CheckConstraint(condition=models.Q(('paid_amount__lte', django.db.models.expressions.CombinedExpression(models.F('amount'), '-', models.F('credited_amount')))), name='invoice_paid_and_credited_not_above_amount'), models.CheckConstraint(condition=models.Q(('status__in', ['PENDING', 'PARTIAL', 'PAID', 'OVERDUE', 'CANCELLED'])), name='invoice_status_valid'), models.UniqueConstraint(condition=models.Q(('surcharge_of__isnull', False)), fields=('surcharge_of', 'surcharge_tier'), name='invoice_one_surcharge_per_tier'), models.CheckConstraint(condition=models.Q(models.Q(('surcharge_of__isnull', True), ('surcharge_tier__isnull', True)), models.Q(('surcharge_of__isnull', False), ('surcharge_tier__isnull', False)), _connector='OR'), name='invoice_surcharge_has_tier'), models.CheckConstraint(condition=models.Q(models.Q(('early_payment_amount__isnull', True), ('early_payment_until__isnull', True)), models.Q(('early_payment_amount__gt', 0), ('early_payment_amount__lt', models.F('amount')), ('early_payment_until__isnull', False)), _connector='OR'), name='invoice_early_payment_below_amount')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalPayment',
            fields=[
                ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('request_id', models.CharField(blank=True, max_length=64)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('number', models.CharField(editable=False, max_length=20, verbose_name='receipt number')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                ('allocated_amount', models.DecimalField(db_default=0, decimal_places=2, default=0, editable=False, max_digits=12, verbose_name='allocated')),
                ('refunded_amount', models.DecimalField(db_default=0, decimal_places=2, default=0, editable=False, max_digits=12, verbose_name='refunded')),
                ('is_reversed', models.BooleanField(db_default=False, default=False, editable=False, verbose_name='reversed')),
                ('payment_date', models.DateField(verbose_name='payment date')),
                ('method', models.CharField(choices=[('CASH', 'Cash'), ('BANK_TRANSFER', 'Bank transfer'), ('CREDIT_CARD', 'Credit card'), ('DEBIT_CARD', 'Debit card'), ('CHECK', 'Check'), ('OTHER', 'Other')], max_length=20, verbose_name='method')),
                ('reference', models.CharField(blank=True, max_length=100, verbose_name='reference')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='registered by')),
                ('family', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='families.family', verbose_name='family')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('school', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='schools.school')),
                ('invoice', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='billing.invoice', verbose_name='invoice')),
            ],
            options={
                'verbose_name': 'historical payment',
                'verbose_name_plural': 'historical payments',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalInvoice',
            fields=[
                ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('request_id', models.CharField(blank=True, max_length=64)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('number', models.CharField(editable=False, max_length=20, verbose_name='number')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                ('paid_amount', models.DecimalField(decimal_places=2, default=0, editable=False, max_digits=12, verbose_name='paid amount')),
                ('credited_amount', models.DecimalField(db_default=0, decimal_places=2, default=0, editable=False, max_digits=12, verbose_name='credited amount')),
                ('due_date', models.DateField(verbose_name='due date')),
                ('status', models.CharField(choices=[('PENDING', 'Pending'), ('PARTIAL', 'Partial'), ('PAID', 'Paid'), ('OVERDUE', 'Overdue'), ('CANCELLED', 'Cancelled')], default='PENDING', editable=False, max_length=10, verbose_name='status')),
                ('description', models.CharField(blank=True, max_length=255, verbose_name='description')),
                ('early_payment_until', models.DateField(blank=True, editable=False, null=True, verbose_name='early payment until')),
                ('early_payment_amount', models.DecimalField(blank=True, decimal_places=2, editable=False, max_digits=12, null=True, verbose_name='early payment amount')),
                ('surcharge_tier', models.PositiveSmallIntegerField(blank=True, editable=False, null=True)),
                ('cancel_reason', models.CharField(blank=True, db_default='', default='', editable=False, max_length=255, verbose_name='cancellation reason')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('school', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='schools.school', verbose_name='school')),
                ('student', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='students.student', verbose_name='student')),
                ('surcharge_of', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='billing.invoice', verbose_name='surcharge of')),
            ],
            options={
                'verbose_name': 'historical invoice',
                'verbose_name_plural': 'historical invoices',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='CreditNote',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('number', models.CharField(editable=False, max_length=20, verbose_name='number')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                ('issue_date', models.DateField(verbose_name='issue date')),
                ('reason', models.CharField(max_length=255, verbose_name='reason')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued by')),
                ('school', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='schools.school')),
                ('invoice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_notes', to='billing.invoice', verbose_name='invoice')),
            ],
            options={
                'verbose_name': 'credit note',
                'verbose_name_plural': 'credit notes',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['invoice'], name='credit_note_invoice_idx'), models.Index(fields=['school', 'issue_date'], name='credit_note_school_idx')],
                'constraints': [models.UniqueConstraint(fields=('school', 'number'), name='credit_note_unique_number_per_school'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='credit_note_amount_positive')],
            },
        ),
        migrations.CreateModel(
            name='InvoiceLine',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('description', models.CharField(max_length=255, verbose_name='description')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                ('period', models.CharField(blank=True, help_text='YYYY-MM', max_length=7, null=True, verbose_name='period')),
                ('source', models.CharField(choices=[('PLAN_ITEM', 'Fee plan item'), ('DISCOUNT', 'Discount'), ('LATE_FEE', 'Late-fee policy'), ('MANUAL', 'Typed in')], default='MANUAL', max_length=10, verbose_name='source')),
                ('source_id', models.UUIDField(blank=True, editable=False, null=True)),
                ('position', models.PositiveSmallIntegerField(default=0, editable=False)),
                ('concept', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='billing.feeconcept', verbose_name='concept')),
                ('invoice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='billing.invoice', verbose_name='invoice')),
                ('student', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='students.student')),
            ],
            options={
                'verbose_name': 'invoice line',
                'verbose_name_plural': 'invoice lines',
                'ordering': ['invoice', 'position'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('source', 'PLAN_ITEM')), fields=('student', 'concept', 'period'), name='invoiceline_once_per_period'), models.CheckConstraint(condition=models.Q(('amount__gt', 0), models.Q(('amount__lt', 0), ('source', 'DISCOUNT')), _connector='OR'), name='invoiceline_only_discounts_negative'), models.CheckConstraint(condition=models.Q(('source__in', ['PLAN_ITEM', 'DISCOUNT', 'LATE_FEE', 'MANUAL'])), name='invoiceline_source_valid')],
            },
        ),
        migrations.CreateModel(
            name='Payment',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('number', models.CharField(editable=False, max_length=20, verbose_name='receipt number')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                ('allocated_amount', models.DecimalField(db_default=0, decimal_places=2, default=0, editable=False, max_digits=12, verbose_name='allocated')),
                ('refunded_amount', models.DecimalField(db_default=0, decimal_places=2, default=0, editable=False, max_digits=12, verbose_name='refunded')),
                ('is_reversed', models.BooleanField(db_default=False, default=False, editable=False, verbose_name='reversed')),
                ('payment_date', models.DateField(verbose_name='payment date')),
                ('method', models.CharField(choices=[('CASH', 'Cash'), ('BANK_TRANSFER', 'Bank transfer'), ('CREDIT_CARD', 'Credit card'), ('DEBIT_CARD', 'Debit card'), ('CHECK', 'Check'), ('OTHER', 'Other')], max_length=20, verbose_name='method')),
                ('reference', models.CharField(blank=True, max_length=100, verbose_name='reference')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='registered by')),
                ('family', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='families.family', verbose_name='family')),
                ('invoice', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='billing.invoice', verbose_name='invoice')),
                ('school', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='schools.school')),
            ],
            options={
                'verbose_name': 'payment',
                'verbose_name_plural': 'payments',
                'ordering': ['-payment_date', '-created_at'],
                'indexes': [models.Index(fields=['invoice', 'payment_date'], name='payment_invoice_date_idx'), models.Index(fields=['family', 'payment_date'], name='payment_family_date_idx'), models.Index(fields=['payment_date'], name='payment_date_idx')],
                'constraints': [models.UniqueConstraint(fields=('school', 'number'), name='payment_unique_number_per_school'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='payment_amount_positive'), models.CheckConstraint(condition=models.Q(('method__in', ['CASH', 'BANK_TRANSFER', 'CREDIT_CARD', 'DEBIT_CARD', 'CHECK', 'OTHER'])), name='payment_method_valid'), models.CheckConstraint(condition=models.Q(('invoice__isnull', False), ('family__isnull', False), _connector='OR'), name='payment_has_invoice_or_family'), models.CheckConstraint(condition=models.Q(('allocated_amount__gte', 0), ('refunded_amount__gte', 0)), name='payment_applied_not_negative'), models.CheckConstraint(condition=models.Q(('allocated_amount__lte', django.db.models.expressions.CombinedExpression(models.F('amount'), '-', models.F('refunded_amount')))), name='payment_applied_not_above_amount')],
            },
        ),
        migrations.CreateModel(
            name='Allocation',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                ('invoice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='billing.invoice', verbose_name='invoice')),
                ('payment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='billing.payment', verbose_name='payment')),
            ],
            options={
                'verbose_name': 'allocation',
                'verbose_name_plural': 'allocations',
                'ordering': ['created_at'],
                'indexes': [models.Index(fields=['invoice', 'payment'], name='allocation_invoice_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='allocation_amount_positive'), models.UniqueConstraint(fields=('payment', 'invoice'), name='allocation_unique_payment_invoice')],
            },
        ),
        migrations.CreateModel(
            name='PaymentReversal',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('number', models.CharField(editable=False, max_length=20, verbose_name='number')),
                ('reason', models.CharField(choices=[('BOUNCED_CHECK', 'Bounced check'), ('CHARGEBACK', 'Chargeback'), ('ENTRY_ERROR', 'Entry error'), ('OTHER', 'Other')], max_length=20, verbose_name='reason')),
                ('note', models.CharField(blank=True, max_length=255, verbose_name='note')),
                ('reversal_date', models.DateField(verbose_name='reversal date')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reversed by')),
                ('payment', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='reversal', to='billing.payment', verbose_name='payment')),
                ('school', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='schools.school')),
            ],
            options={
                'verbose_name': 'payment reversal',
                'verbose_name_plural': 'payment reversals',
                'ordering': ['-reversal_date', '-created_at'],
                'indexes': [models.Index(fields=['school', 'reversal_date'], name='reversal_school_date_idx')],
                'constraints': [models.UniqueConstraint(fields=('school', 'number'), name='reversal_unique_number_per_school'), models.CheckConstraint(condition=models.Q(('reason__in', ['BOUNCED_CHECK', 'CHARGEBACK', 'ENTRY_ERROR', 'OTHER'])), name='reversal_reason_valid')],
            },
        ),
        migrations.CreateModel(
            name='Refund',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('number', models.CharField(editable=False, max_length=20, verbose_name='number')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                ('method', models.CharField(choices=[('CASH', 'Cash'), ('BANK_TRANSFER', 'Bank transfer'), ('CREDIT_CARD', 'Credit card'), ('DEBIT_CARD', 'Debit card'), ('CHECK', 'Check'), ('OTHER', 'Other')], max_length=20, verbose_name='method')),
                ('refund_date', models.DateField(verbose_name='refund date')),
                ('reference', models.CharField(blank=True, max_length=100, verbose_name='reference')),
                ('note', models.CharField(blank=True, max_length=255, verbose_name='note')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='refunded by')),
                ('family', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='refunds', to='families.family', verbose_name='family')),
                ('school', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='schools.school')),
            ],
            options={
                'verbose_name': 'refund',
                'verbose_name_plural': 'refunds',
                'ordering': ['-refund_date', '-created_at'],
                'indexes': [models.Index(fields=['family', 'refund_date'], name='refund_family_date_idx'), models.Index(fields=['school', 'refund_date'], name='refund_school_date_idx')],
                'constraints': [models.UniqueConstraint(fields=('school', 'number'), name='refund_unique_number_per_school'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='refund_amount_positive'), models.CheckConstraint(condition=models.Q(('method__in', ['CASH', 'BANK_TRANSFER', 'CREDIT_CARD', 'DEBIT_CARD', 'CHECK', 'OTHER'])), name='refund_method_valid')],
            },
        ),
        migrations.CreateModel(
            name='RefundSource',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                ('payment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='refund_sources', to='billing.payment')),
                ('refund', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sources', to='billing.refund')),
            ],
            options={
                'indexes': [models.Index(fields=['payment'], name='refund_source_payment_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='refund_source_amount_positive'), models.UniqueConstraint(fields=('refund', 'payment'), name='refund_source_unique')],
            },
        ),
        migrations.CreateModel(
            name='DocumentSequence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('INVOICE', 'Invoice'), ('RECEIPT', 'Receipt'), ('CREDIT_NOTE', 'Credit Note'), ('REVERSAL', 'Reversal'), ('REFUND', 'Refund')], max_length=12)),
                ('year', models.PositiveSmallIntegerField()),
                ('last_value', models.PositiveIntegerField(default=0)),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='schools.school')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('school', 'kind', 'year'), name='sequence_unique_scope')],
            },
        ),
        # Added now, not with their models (whose indexes are created at the migration's end), so
        # that the next operation finds them to give them their INCLUDE on PostgreSQL.
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['school', 'due_date'], name='invoice_school_due_idx'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['student', 'due_date'], name='invoice_student_due_idx'),
        ),
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(fields=['school', 'payment_date'], name='payment_school_date_idx'),
        ),
        # After the tables they guard and index: nothing in the model state knows of them.
        migrations.RunPython(_execute(TRIGGERS), _execute(TRIGGERS_DROP)),
        migrations.RunPython(_execute(INDEXES), _execute(INDEXES_DROP)),
    ]
