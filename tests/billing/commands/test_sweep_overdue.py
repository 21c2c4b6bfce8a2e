"""The overdue sweep: which invoices it marks, what it reports, and that it is safe to run twice."""

import time
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from billing.models import Invoice, InvoiceStatus
from billing.services import OVERDUE_SWEEP_LOCK_ID, invoice_overdue_sweep
from core.dates import local_today
from schools.models import School
from tests.billing.factories import InvoiceFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from tests.support.concurrency import Race, run_together

pytestmark = pytest.mark.django_db

TODAY = local_today()
YESTERDAY = TODAY - timedelta(days=1)


def invoice(school=None, *, due, status=InvoiceStatus.PENDING, paid="0.00", amount="1000.00"):
    student = StudentFactory(school=school) if school else StudentFactory()
    return InvoiceFactory(student=student, due_date=due, status=status, amount=Decimal(amount),
                          paid_amount=Decimal(paid))


def status_of(inv) -> str:
    return Invoice.objects.values_list("status", flat=True).get(pk=inv.pk)


def sweep(*args: str) -> str:
    out = StringIO()
    call_command("sweep_overdue", *args, stdout=out)
    return out.getvalue()


def test_unpaid_invoice_due_yesterday_becomes_overdue():
    inv = invoice(due=YESTERDAY)

    changed = invoice_overdue_sweep()

    assert changed == {inv.school_id: 1}
    assert status_of(inv) == InvoiceStatus.OVERDUE


def test_invoice_due_today_is_not_overdue_yet():
    inv = invoice(due=TODAY)

    assert invoice_overdue_sweep() == {}
    assert status_of(inv) == InvoiceStatus.PENDING


def test_partially_paid_invoice_past_due_becomes_overdue():
    inv = invoice(due=YESTERDAY, status=InvoiceStatus.PARTIAL, paid="400.00")

    invoice_overdue_sweep()

    assert status_of(inv) == InvoiceStatus.OVERDUE


def test_paid_and_cancelled_invoices_past_due_are_never_touched():
    paid = invoice(due=YESTERDAY, status=InvoiceStatus.PAID, paid="1000.00")
    cancelled = invoice(due=YESTERDAY, status=InvoiceStatus.CANCELLED)

    assert invoice_overdue_sweep() == {}
    assert status_of(paid) == InvoiceStatus.PAID
    assert status_of(cancelled) == InvoiceStatus.CANCELLED


def test_stored_pending_with_full_payment_is_left_for_reconcile():
    # paid_amount says paid; marking it OVERDUE would be wrong. reconcile --fix repairs the status.
    inv = invoice(due=YESTERDAY, status=InvoiceStatus.PENDING, paid="1000.00")

    assert invoice_overdue_sweep() == {}
    assert status_of(inv) == InvoiceStatus.PENDING


def test_as_of_only_marks_invoices_due_before_that_day():
    older = invoice(due=TODAY - timedelta(days=20))
    newer = invoice(due=TODAY - timedelta(days=5))

    output = sweep("--as-of", (TODAY - timedelta(days=10)).isoformat())

    assert status_of(older) == InvoiceStatus.OVERDUE
    assert status_of(newer) == InvoiceStatus.PENDING
    assert "1 invoices changed to OVERDUE in 1 schools" in output


def test_as_of_in_the_future_is_refused():
    inv = invoice(due=TODAY)
    with pytest.raises(CommandError, match="future"):
        sweep("--as-of", (TODAY + timedelta(days=1)).isoformat())
    assert status_of(inv) == InvoiceStatus.PENDING


@pytest.mark.parametrize("args", [["--as-of", "2026-02-30"], ["--as-of", "yesterday"], ["--school", "nope"]])
def test_malformed_arguments_are_refused(args):
    with pytest.raises(CommandError):
        sweep(*args)


def test_unknown_school_is_refused():
    with pytest.raises(CommandError, match="Unknown school"):
        sweep("--school", "00000000-0000-4000-8000-000000000000")


def test_dry_run_counts_and_changes_nothing():
    school = SchoolFactory()
    invs = [invoice(school, due=YESTERDAY) for _ in range(3)]
    version = school.cache_version

    output = sweep("--dry-run")

    assert "Dry run: 3 invoices would change" in output
    assert {status_of(i) for i in invs} == {InvoiceStatus.PENDING}
    school.refresh_from_db()
    assert school.cache_version == version


def test_counts_per_school_and_bumps_only_changed_schools():
    busy, quiet = SchoolFactory(), SchoolFactory()
    for _ in range(2):
        invoice(busy, due=YESTERDAY)
    invoice(quiet, due=TODAY + timedelta(days=3))

    changed = invoice_overdue_sweep()

    assert changed == {busy.pk: 2}
    assert School.objects.get(pk=busy.pk).cache_version == busy.cache_version + 1
    assert School.objects.get(pk=quiet.pk).cache_version == quiet.cache_version


def test_school_option_limits_the_sweep():
    one, other = SchoolFactory(), SchoolFactory()
    mine, theirs = invoice(one, due=YESTERDAY), invoice(other, due=YESTERDAY)

    output = sweep("--school", str(one.pk))

    assert status_of(mine) == InvoiceStatus.OVERDUE
    assert status_of(theirs) == InvoiceStatus.PENDING
    assert f"{one.name} ({one.pk}): 1 changed" in output


def test_service_takes_a_list_of_schools():
    one, other = SchoolFactory(), SchoolFactory()
    invoice(one, due=YESTERDAY)
    invoice(other, due=YESTERDAY)

    assert invoice_overdue_sweep(school_ids=[other.pk]) == {other.pk: 1}
    assert invoice_overdue_sweep(school_ids=[]) == {}


def test_second_sweep_changes_nothing():
    school = SchoolFactory()
    invoice(school, due=YESTERDAY)
    invoice_overdue_sweep()
    version = School.objects.get(pk=school.pk).cache_version

    assert invoice_overdue_sweep() == {}
    assert "0 invoices changed" in sweep()
    assert School.objects.get(pk=school.pk).cache_version == version


def test_each_changed_school_is_logged(caplog):
    inv = invoice(due=YESTERDAY)

    with caplog.at_level("INFO", logger="billing.services"):
        invoice_overdue_sweep()

    events = [r.msg for r in caplog.records if r.name == "billing.services"]
    school_events = [e for e in events if e.get("event") == "invoice_overdue_sweep.school"]
    assert len(school_events) == 1
    assert school_events[0] | {"school_id": str(inv.school_id), "invoices": 1, "as_of": TODAY.isoformat(),
                               "dry_run": False} == school_events[0]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_give_the_result_of_one():
    schools = [SchoolFactory(), SchoolFactory()]
    invoices = [invoice(school, due=YESTERDAY) for school in schools for _ in range(20)]
    versions = {s.pk: s.cache_version for s in schools}

    # Hold the sweep lock so both sweeps start and queue on it, then let them go together.
    with _sweep_lock_held():
        sweeps = Race(2, lambda _: invoice_overdue_sweep())
        # Both sweeps are queued on the lock (seen in pg_locks), and neither has run.
        deadline = time.monotonic() + 30
        while _advisory_lock_waiters() < 2:
            assert time.monotonic() < deadline, "the sweeps never queued on the lock"
        assert sweeps.finished() == 0, "a sweep ran without the lock"
        assert not Invoice.objects.filter(status=InvoiceStatus.OVERDUE).exists()
    results = sweeps.outcomes()

    assert sorted(sum(r.values()) for r in results) == [0, 40]
    assert {status_of(i) for i in invoices} == {InvoiceStatus.OVERDUE}
    for school in schools:
        assert School.objects.get(pk=school.pk).cache_version == versions[school.pk] + 1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_no_wait_refuses_while_another_sweep_holds_the_lock():
    inv = invoice(due=YESTERDAY)

    with _sweep_lock_held():
        (outcome,) = run_together(1, lambda _: sweep("--no-wait"), refusals=(CommandError,))

    assert isinstance(outcome, CommandError)
    assert outcome.__cause__.code == "overdue_sweep_running"
    assert status_of(inv) == InvoiceStatus.PENDING


@contextmanager
def _sweep_lock_held():
    """Hold the sweep's advisory lock, as a running sweep does, until the block ends."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [OVERDUE_SWEEP_LOCK_ID])
        yield


def _advisory_lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0]
