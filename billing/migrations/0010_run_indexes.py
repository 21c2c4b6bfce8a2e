"""Indexes the billing run and the recargos read through, right after they insert thousands of rows.

- invoiceline_period_idx (period, student) goes: with the statistics of a table that just took a
  period's lines, the planner took it for "this school's students in this period" and read every
  line of the period (all schools'); the UNIQUE (student, concept, period) serves that lookup.
- The plain index of invoice.surcharge_of goes (state: db_index=False): it held a NULL entry for
  every invoice that is not a recargo; the partial UNIQUE (surcharge_of, surcharge_tier) indexes
  the recargos alone. Dropped by name, not AlterField: SQLite would rebuild billing_invoice.
"""

import django.db.models.deletion
from django.db import migrations, models

_INDEX = "billing_invoice_surcharge_of_id_64ac1ee2"


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0009_invoice_lines_backfill'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='invoiceline',
            name='invoiceline_period_idx',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='invoice',
                    name='surcharge_of',
                    field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='surcharges', to='billing.invoice', verbose_name='surcharge of'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {_INDEX}",
                    f"CREATE INDEX IF NOT EXISTS {_INDEX} ON billing_invoice (surcharge_of_id)",
                ),
            ],
        ),
    ]
