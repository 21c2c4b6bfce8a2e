"""The seven report views and the unmanaged models over them: replaces 0001-0003 (squashed 2026-12;
an install upgrades to this release from the previous one, whose migrations it has applied).

The views are one .sql file per view and per database vendor (migrations/sql/, reports.sqlviews).
RunPython rather than RunSQL because the SQL differs between PostgreSQL and SQLite; any other
database fails loudly. The reverse drops the views. See reports/sqlviews.py for how `migrate`
keeps them through later migrations of the tables they read.
"""

import django.db.models.deletion
from django.db import migrations, models

from reports.sqlviews import VIEW_DEFINITIONS, views_create, views_drop

MIGRATION_NAME = "0001_squashed_0003_views_credit_and_reversals"
DEFINITIONS = dict(VIEW_DEFINITIONS)[MIGRATION_NAME]


def create_views(apps, schema_editor):
    views_create(schema_editor.connection, DEFINITIONS)


def drop_views(apps, schema_editor):
    views_drop(schema_editor.connection, DEFINITIONS)


class Migration(migrations.Migration):

    replaces = [
        ('reports', '0001_views'),
        ('reports', '0002_report_models'),
        ('reports', '0003_views_credit_and_reversals'),
    ]

    initial = True

    dependencies = [
        ('billing', '0001_squashed_0010_run_indexes'),
        ('schools', '0001_squashed_0002_school_earliest_payment_date'),
        ('students', '0001_squashed_0002_student_family_curp_level'),
    ]

    operations = [
        migrations.RunPython(create_views, drop_views),
        migrations.CreateModel(
            name='DailyCollection',
            fields=[
                ('school_name', models.CharField(max_length=200)),
                ('id', models.CharField(max_length=60, primary_key=True, serialize=False)),
                ('collection_date', models.DateField()),
                ('payment_count', models.IntegerField()),
                ('total_amount', models.DecimalField(decimal_places=2, max_digits=16)),
            ],
            options={
                'db_table': 'reports_daily_collections',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='InvoiceDetail',
            fields=[
                ('school_name', models.CharField(max_length=200)),
                ('id', models.UUIDField(primary_key=True, serialize=False)),
                ('number', models.CharField(max_length=20)),
                ('student_name', models.CharField(max_length=201)),
                ('grade', models.CharField(max_length=50)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('paid_amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('credited_amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('pending_amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('due_date', models.DateField()),
                ('status', models.CharField(choices=[('PENDING', 'Pending'), ('PARTIAL', 'Partial'), ('PAID', 'Paid'), ('OVERDUE', 'Overdue'), ('CANCELLED', 'Cancelled')], max_length=10)),
                ('description', models.CharField(max_length=255)),
                ('created_at', models.DateTimeField()),
            ],
            options={
                'db_table': 'reports_invoice_details',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='MonthlyRevenue',
            fields=[
                ('school_name', models.CharField(max_length=200)),
                ('id', models.CharField(max_length=60, primary_key=True, serialize=False)),
                ('month_start', models.DateField()),
                ('month', models.CharField(max_length=7)),
                ('invoice_count', models.IntegerField()),
                ('total_invoiced', models.DecimalField(decimal_places=2, max_digits=16)),
                ('payment_count', models.IntegerField()),
                ('total_collected', models.DecimalField(decimal_places=2, max_digits=16)),
            ],
            options={
                'db_table': 'reports_monthly_revenue',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='OverdueInvoice',
            fields=[
                ('school_name', models.CharField(max_length=200)),
                ('id', models.UUIDField(primary_key=True, serialize=False)),
                ('number', models.CharField(max_length=20)),
                ('student_name', models.CharField(max_length=201)),
                ('student_email', models.CharField(max_length=254)),
                ('grade', models.CharField(max_length=50)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('paid_amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('credited_amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('pending_amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('due_date', models.DateField()),
                ('description', models.CharField(max_length=255)),
            ],
            options={
                'db_table': 'reports_overdue_invoices',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='PaymentHistory',
            fields=[
                ('school_name', models.CharField(max_length=200)),
                ('id', models.UUIDField(primary_key=True, serialize=False)),
                ('number', models.CharField(max_length=20)),
                ('payment_date', models.DateField()),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('method', models.CharField(choices=[('CASH', 'Cash'), ('BANK_TRANSFER', 'Bank transfer'), ('CREDIT_CARD', 'Credit card'), ('DEBIT_CARD', 'Debit card'), ('CHECK', 'Check'), ('OTHER', 'Other')], max_length=20)),
                ('reference', models.CharField(max_length=100)),
                ('created_at', models.DateTimeField()),
                ('invoice_number', models.CharField(max_length=20)),
                ('invoice_amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('invoice_due_date', models.DateField()),
                ('student_name', models.CharField(max_length=201)),
            ],
            options={
                'db_table': 'reports_payment_history',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='SchoolSummary',
            fields=[
                ('school', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='schools.school')),
                ('school_name', models.CharField(max_length=200)),
                ('is_active', models.BooleanField()),
                ('students_total', models.IntegerField()),
                ('students_active', models.IntegerField()),
                ('invoice_count', models.IntegerField()),
                ('total_invoiced', models.DecimalField(decimal_places=2, max_digits=16)),
                ('total_collected', models.DecimalField(decimal_places=2, max_digits=16)),
                ('total_pending', models.DecimalField(decimal_places=2, max_digits=16)),
                ('collection_rate', models.DecimalField(decimal_places=2, max_digits=5, null=True)),
            ],
            options={
                'db_table': 'reports_school_summary',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='StudentBalance',
            fields=[
                ('school_name', models.CharField(max_length=200)),
                ('student', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='students.student')),
                ('first_name', models.CharField(max_length=100)),
                ('last_name', models.CharField(max_length=100)),
                ('student_name', models.CharField(max_length=201)),
                ('student_email', models.CharField(max_length=254)),
                ('grade', models.CharField(max_length=50)),
                ('is_active', models.BooleanField()),
                ('invoice_count', models.IntegerField()),
                ('total_invoiced', models.DecimalField(decimal_places=2, max_digits=16)),
                ('total_paid', models.DecimalField(decimal_places=2, max_digits=16)),
                ('total_pending', models.DecimalField(decimal_places=2, max_digits=16)),
                ('oldest_unpaid_due_date', models.DateField(null=True)),
            ],
            options={
                'db_table': 'reports_student_balance',
                'managed': False,
            },
        ),
    ]
