"""The seven report views, one .sql file per view and per database vendor (migrations/sql/).

RunPython rather than RunSQL because the SQL differs between PostgreSQL and SQLite; any other
database fails loudly. The reverse drops the views. See reports/sqlviews.py for how `migrate`
keeps them through later migrations of the tables they read.
"""

from django.db import migrations

from reports.sqlviews import VIEW_DEFINITIONS, views_create, views_drop

MIGRATION_NAME = "0001_views"
DEFINITIONS = dict(VIEW_DEFINITIONS)[MIGRATION_NAME]


def create_views(apps, schema_editor):
    views_create(schema_editor.connection, DEFINITIONS)


def drop_views(apps, schema_editor):
    views_drop(schema_editor.connection, DEFINITIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_payment_immutable_trigger"),
        ("schools", "0001_initial"),
        ("students", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_views, drop_views)]
