import pytest
from django.core.management import call_command
from django.db import connection

from reports.apps import _create_views_after_migrate, _drop_views_before_migrate
from reports.models import StudentBalance
from reports.sqlviews import VENDORS, VIEW_DEFINITIONS, all_view_names, view_sql, views_create
from students.models import Student
from tests.factories import InvoiceFactory


def _views_in_database() -> set[str]:
    with connection.cursor() as cursor:
        return {
            info.name for info in connection.introspection.get_table_list(cursor) if info.type == "v"
        }


@pytest.mark.django_db(transaction=True)
def test_reports_migrate_to_zero_drops_every_view_and_forward_restores_them():
    try:
        call_command("migrate", "reports", "zero", verbosity=0)
        assert not _views_in_database() & set(all_view_names())
    finally:
        call_command("migrate", "reports", verbosity=0)

    assert set(all_view_names()) <= _views_in_database()
    invoice = InvoiceFactory()
    assert StudentBalance.objects.get(pk=invoice.student_id).total_invoiced == invoice.amount


@pytest.mark.django_db(transaction=True)
def test_another_apps_migration_can_rebuild_a_table_the_views_read():
    """What `migrate` does around every run: without it, SQLite's table rebuild (and PostgreSQL's
    ALTER COLUMN TYPE) fails while a view reads the table."""
    field = Student._meta.get_field("grade")
    wider = field.clone()
    wider.set_attributes_from_name("grade")
    wider.max_length = 80
    plan = [("a migration", False)]

    for old, new in ((field, wider), (wider, field)):
        _drop_views_before_migrate(sender=None, using=connection.alias, plan=plan)
        with connection.schema_editor() as editor:
            editor.alter_field(Student, old, new)
        _create_views_after_migrate(sender=None, using=connection.alias, plan=plan)

    assert set(all_view_names()) <= _views_in_database()
    invoice = InvoiceFactory()
    assert StudentBalance.objects.get(pk=invoice.student_id).invoice_count == 1


def test_view_sql_refuses_a_database_it_has_no_sql_for():
    class Oracle:
        vendor = "oracle"

    with pytest.raises(NotImplementedError):
        views_create(Oracle(), {"reports_student_balance": "0001_student_balance"})


def test_every_view_has_sql_for_every_vendor():
    for _migration, definitions in VIEW_DEFINITIONS:
        for stem in definitions.values():
            for vendor in VENDORS:
                assert view_sql(stem, vendor).lstrip().startswith(("--", "CREATE")), (stem, vendor)
