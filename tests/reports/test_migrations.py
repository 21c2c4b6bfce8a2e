import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import connection, migrations, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from reports.models import StudentBalance
from reports.sqlviews import (
    VENDORS,
    VIEW_DEFINITIONS,
    all_view_names,
    view_sql,
    view_tables,
    views_create,
    views_drop,
)
from tests.billing.factories import InvoiceFactory

PROBE = "9999_report_views_probe"
MARK = "/* untouched */"


def _views_in_database() -> set[str]:
    with connection.cursor() as cursor:
        return {
            info.name for info in connection.introspection.get_table_list(cursor) if info.type == "v"
        }


def _mark_views() -> None:
    """SQLite: recreate the views with a marker in their stored SQL (sqlite_master keeps the text
    as written), which a recreate from the .sql files would lose. PostgreSQL needs none: the OID."""
    if connection.vendor != "sqlite":
        return
    definitions = dict(VIEW_DEFINITIONS)[VIEW_DEFINITIONS[-1][0]]
    views_drop(connection, definitions)
    with connection.cursor() as cursor:
        for stem in definitions.values():
            sql = view_sql(stem, "sqlite")
            cursor.execute(sql.replace(" AS\nSELECT", f" AS\nSELECT {MARK}", 1))


def _view_identities() -> dict[str, object]:
    """What changes when a view is dropped and created again: its OID (PostgreSQL), the text it was
    created with (SQLite, after `_mark_views`)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT relname, oid FROM pg_class WHERE relkind = 'v' AND relname = ANY(%s)",
                           [all_view_names()])
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'")
        identities = dict(cursor.fetchall())
    assert set(all_view_names()) <= set(identities)
    return identities


def _migrate_probe(operations, *, atomic=True, backwards=False):
    """Apply (or unapply) a migration of the students app made of `operations`, as `manage.py
    migrate` does: a plan, the pre_migrate signal with it, the executor, the post_migrate signal."""
    executor = MigrationExecutor(connection)
    leaf = max(key for key in executor.loader.graph.leaf_nodes("students") if key[1] != PROBE)
    migration = type("Migration", (migrations.Migration,), {
        "operations": operations, "dependencies": [leaf], "atomic": atomic,
    })(PROBE, "students")
    executor.loader.graph.add_node(("students", PROBE), migration)
    executor.loader.graph.add_dependency(migration, ("students", PROBE), leaf)
    if backwards:
        executor.loader.applied_migrations[("students", PROBE)] = migration
    targets = [leaf if backwards else ("students", PROBE)]
    plan = executor.migration_plan(targets)
    assert plan == [(migration, backwards)]
    state = executor._create_project_state(with_applied_migrations=True)
    emit_pre_migrate_signal(0, False, connection.alias, apps=state.apps, plan=plan)
    state = executor.migrate(targets, plan=plan)
    emit_post_migrate_signal(0, False, connection.alias, apps=state.apps, plan=plan)


def _grade(max_length: int) -> migrations.AlterField:
    return migrations.AlterField("student", "grade", models.CharField(max_length=max_length, blank=True))


def _grade_length() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # varchar(N)
            cursor.execute("SELECT type FROM pragma_table_info('students_student') WHERE name = 'grade'")
            return int(cursor.fetchone()[0].split("(")[1].rstrip(")"))
        cursor.execute("SELECT character_maximum_length FROM information_schema.columns "
                       "WHERE table_name = 'students_student' AND column_name = 'grade'")
        return cursor.fetchone()[0]


def _reports_work() -> None:
    assert set(all_view_names()) <= _views_in_database()
    invoice = InvoiceFactory()
    assert StudentBalance.objects.get(pk=invoice.student_id).total_invoiced == invoice.amount


@pytest.mark.django_db(transaction=True)
def test_reports_migrate_to_zero_drops_every_view_and_forward_restores_them():
    try:
        call_command("migrate", "reports", "zero", verbosity=0)
        assert not _views_in_database() & set(all_view_names())
    finally:
        call_command("migrate", "reports", verbosity=0)
    _reports_work()


@pytest.mark.django_db(transaction=True)
def test_a_migrate_with_nothing_to_apply_leaves_the_views_untouched():
    _mark_views()
    before = _view_identities()

    call_command("migrate", verbosity=0)

    assert _view_identities() == before


@pytest.mark.django_db(transaction=True)
def test_a_migration_of_tables_the_views_do_not_read_leaves_them_untouched():
    """A new table, and a new index on a table they read: nothing a view cares about."""
    assert "billing_invoice" in view_tables() and "students_student" in view_tables()
    operations = [
        migrations.CreateModel("Probe", [("id", models.BigAutoField(primary_key=True))]),
        migrations.AddIndex("student", models.Index(fields=["grade", "last_name"], name="probe_grade_idx")),
    ]
    _mark_views()
    before = _view_identities()
    try:
        _migrate_probe(operations)
        assert _view_identities() == before
    finally:
        _migrate_probe(operations, backwards=True)
    assert _view_identities() == before
    _reports_work()


@pytest.mark.django_db(transaction=True)
def test_a_migration_that_rebuilds_a_table_the_views_read_recreates_them_with_it():
    """SQLite rebuilds students_student to widen a column (its RENAME fails while a view names
    the table); PostgreSQL refuses ALTER COLUMN TYPE on a column a view uses. Both pass."""
    before = _view_identities()
    try:
        _migrate_probe([_grade(80)])
        assert _grade_length() == 80
        if connection.vendor == "postgresql":
            assert _view_identities() != before  # recreated
        _reports_work()
    finally:
        _migrate_probe([_grade(80)], backwards=True)
    assert _grade_length() == 50
    _reports_work()


def _boom(apps, schema_editor):
    raise RuntimeError("the migration fails after rebuilding the table")


@pytest.mark.django_db(transaction=True)
def test_a_failing_migration_leaves_working_views():
    _mark_views()
    before = _view_identities()

    with pytest.raises(RuntimeError, match="fails after rebuilding"):
        _migrate_probe([_grade(80), migrations.RunPython(_boom)])

    # Rolled back with the migration: the same views, the table as it was.
    assert _view_identities() == before
    assert _grade_length() == 50
    _reports_work()


@pytest.mark.django_db(transaction=True)
def test_a_failing_non_atomic_migration_gets_its_views_back():
    """atomic = False (e.g. CREATE INDEX CONCURRENTLY next to a column change): what ran stays,
    and the views are recreated before the error goes on."""
    try:
        with pytest.raises(RuntimeError, match="fails after rebuilding"):
            _migrate_probe([_grade(80), migrations.RunPython(_boom)], atomic=False)
        assert _grade_length() == 80  # autocommit: the change is in
        _reports_work()
    finally:
        # Put the column back: the probe applied for the record (the column is wide already), undone.
        _migrate_probe([_grade(80)])
        _migrate_probe([_grade(80)], backwards=True)
    assert _grade_length() == 50
    _reports_work()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent sessions: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_report_read_during_a_migration_of_its_tables_waits_and_answers():
    """The rolling deploy: the old release serves reports while `migrate` rebuilds a table they
    read. The read waits for the migration's commit, then reads the recreated view; never a
    'relation does not exist'."""
    InvoiceFactory()
    dropped, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold(apps, schema_editor):
        dropped.set()  # the table is altered and the views are dropped, not committed
        assert release.wait(30)

    def migrate():
        try:
            _migrate_probe([_grade(80), migrations.RunPython(hold)])
        except Exception as exc:  # surfaced below
            outcome["migrate"] = exc
        finally:
            dropped.set()
            connection.close()

    def read():
        try:
            outcome["rows"] = StudentBalance.objects.count()
        except Exception as exc:
            outcome["read"] = exc
        finally:
            connection.close()

    migrator = threading.Thread(target=migrate)
    migrator.start()
    try:
        assert dropped.wait(30) and "migrate" not in outcome
        reader = threading.Thread(target=read)
        reader.start()
        deadline = time.monotonic() + 30
        while not _relation_lock_waiters():
            assert time.monotonic() < deadline, "the report read never waited"
        assert not outcome
    finally:
        release.set()
        migrator.join(timeout=30)
    reader.join(timeout=30)
    try:
        assert outcome == {"rows": 1}
    finally:
        _migrate_probe([_grade(80)], backwards=True)
    _reports_work()


@pytest.mark.django_db(transaction=True)
def test_a_database_migrated_before_the_squash_has_nothing_to_apply_and_keeps_its_views():
    """A database that ran the chains the squashed migrations replace records only the replaced
    names (so does a fresh one during `migrate`, until the run's end): Django counts the squashed
    migrations applied, so nothing runs, and the views count as there, so a migration that rebuilds
    a table they read drops and recreates them (SQLite's rebuild fails while a view names it)."""
    recorder = MigrationRecorder(connection)
    executor = MigrationExecutor(connection)
    squashed = list(executor.loader.replacements)
    assert ("reports", VIEW_DEFINITIONS[-1][0]) in squashed
    before = _view_identities()
    try:
        for key in squashed:
            recorder.record_unapplied(*key)
        assert MigrationExecutor(connection).migration_plan(executor.loader.graph.leaf_nodes()) == []

        _migrate_probe([_grade(80)])  # records the squashed names again at its end, as `migrate` does

        assert _grade_length() == 80
        if connection.vendor == "postgresql":
            assert _view_identities() != before  # recreated
        _reports_work()
    finally:
        applied = recorder.applied_migrations()
        for key in squashed:
            if key not in applied:
                recorder.record_applied(*key)
        _migrate_probe([_grade(80)], backwards=True)
    assert _grade_length() == 50
    _reports_work()


def _relation_lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND NOT granted")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_lost_view_comes_back_at_the_next_migrate():
    views_drop(connection, ["reports_monthly_revenue"])

    call_command("migrate", verbosity=0)

    _reports_work()


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
