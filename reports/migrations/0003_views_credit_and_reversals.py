"""The report views learn credit notes and reversals: pending is the balance (net of credit notes,
billing.rules), and collections are net of reversals, subtracted on the reversal's date.

Same mechanism as 0001 (reports.sqlviews): the reverse restores the 0001 definitions.
"""

from django.db import migrations, models

from reports.sqlviews import VIEW_DEFINITIONS, views_create

MIGRATION_NAME = "0003_views_credit_and_reversals"
DEFINITIONS = dict(VIEW_DEFINITIONS)[MIGRATION_NAME]
PREVIOUS = dict(VIEW_DEFINITIONS)["0001_views"]


def create_views(apps, schema_editor):
    views_create(schema_editor.connection, DEFINITIONS)


def restore_previous_views(apps, schema_editor):
    views_create(schema_editor.connection, PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_models"),
        ("billing", "0007_allocations_backfill_and_immutability"),
    ]

    operations = [
        migrations.RunPython(create_views, restore_previous_views),
        migrations.AddField(
            model_name="invoicedetail",
            name="credited_amount",
            field=models.DecimalField(decimal_places=2, max_digits=12, default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="overdueinvoice",
            name="credited_amount",
            field=models.DecimalField(decimal_places=2, max_digits=12, default=0),
            preserve_default=False,
        ),
    ]
