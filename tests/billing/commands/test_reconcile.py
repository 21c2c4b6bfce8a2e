"""manage.py reconcile: finds what disagrees with the payments, repairs only derived fields."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from billing.models import Invoice, InvoiceStatus, Payment
from billing.reconcile import invoice_discrepancy_list
from billing.services import payment_record
from core.dates import local_today
from demo.seeding import seed_data_load
from schools.models import School
from tests.billing.factories import InvoiceFactory, PaymentFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

TODAY = local_today()


def reconcile(*args: str) -> str:
    out = StringIO()
    call_command("reconcile", *args, stdout=out)
    return out.getvalue()


def reconcile_failing(*args: str) -> tuple[str, CommandError]:
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("reconcile", *args, stdout=out)
    return out.getvalue(), excinfo.value


def raw_update(invoice, **columns) -> None:
    """Corrupt a row behind the services' back."""
    assignments = ", ".join(f"{name} = %s" for name in columns)
    pk = Invoice._meta.pk.get_db_prep_value(invoice.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE billing_invoice SET {assignments} WHERE id = %s", [*columns.values(), pk])


def paid_invoice(amount="1000.00", payments=("600.00", "400.00"), due=None):
    invoice = InvoiceFactory(amount=Decimal(amount), due_date=due or TODAY + timedelta(days=5))
    for value in payments:
        payment_record(invoice_id=invoice.pk, amount=Decimal(value), method="CASH")
    invoice.refresh_from_db()
    return invoice


def test_seeded_books_are_clean_and_exit_zero():
    seed_data_load(seed=11, schools=2, students_per_school=8, months=5)

    output = reconcile()

    assert f"Clean: {Invoice.objects.count()} invoices checked" in output


def test_paid_amount_corrupted_with_raw_sql_is_reported_and_exits_one():
    invoice = paid_invoice()
    raw_update(invoice, paid_amount=Decimal("600.00"))

    output, error = reconcile_failing()

    assert error.returncode == 1
    assert f"paid_amount_mismatch     {invoice.school.name} invoice {invoice.number}" in output
    assert "paid_amount 600.00 but its live allocations total 1000.00" in output


def test_fix_restores_paid_amount_and_status_from_the_payments():
    invoice = paid_invoice()
    raw_update(invoice, paid_amount=Decimal("600.00"), status=InvoiceStatus.PARTIAL)
    payments_before = sorted(Payment.objects.values_list("id", "amount"))
    version = School.objects.get(pk=invoice.school_id).cache_version

    output = reconcile("--fix")

    invoice.refresh_from_db()
    assert (invoice.paid_amount, invoice.status) == (Decimal("1000.00"), InvoiceStatus.PAID)
    assert f"fixed {invoice.school.name} invoice {invoice.number}" in output
    assert "paid_amount 600.00 -> 1000.00, status PARTIAL -> PAID" in output
    assert "Clean" in output
    assert sorted(Payment.objects.values_list("id", "amount")) == payments_before
    assert School.objects.get(pk=invoice.school_id).cache_version == version + 1
    assert reconcile().startswith("Clean")


def test_wrong_stored_status_is_a_discrepancy():
    invoice = InvoiceFactory(due_date=TODAY + timedelta(days=3))
    raw_update(invoice, status=InvoiceStatus.PAID)

    report = invoice_discrepancy_list()

    assert [(d.kind, d.invoice_id) for d in report.discrepancies] == [("status_mismatch", invoice.pk)]


def test_overdue_not_yet_swept_is_information_not_a_discrepancy():
    InvoiceFactory(due_date=TODAY - timedelta(days=2), status=InvoiceStatus.PENDING)
    partly = paid_invoice(payments=("300.00",), due=TODAY - timedelta(days=2))
    raw_update(partly, status=InvoiceStatus.PARTIAL)

    output = reconcile()

    assert "info: 2 invoices in 2 schools are past due but still stored PENDING/PARTIAL" in output
    assert "Clean" in output


def test_pending_with_payments_past_due_is_a_discrepancy_not_a_stale_sweep():
    # Before its due date it would have read PARTIAL, never PENDING: something else is wrong.
    invoice = paid_invoice(payments=("300.00",), due=TODAY - timedelta(days=2))
    raw_update(invoice, status=InvoiceStatus.PENDING)

    report = invoice_discrepancy_list()

    assert [d.kind for d in report.discrepancies] == ["status_mismatch"]


def test_payments_above_the_amount_are_reported_and_left_alone_by_fix():
    invoice = paid_invoice(payments=("1000.00",))
    PaymentFactory(invoice=invoice, amount=Decimal("50.00"))  # written around the payment service

    output, error = reconcile_failing("--fix")

    assert error.returncode == 1
    assert "overpaid" in output
    assert "payments 1050.00 and credit notes 0.00, above the amount 1000.00" in output
    assert "left: paid_amount_mismatch" in output
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("1000.00")
    assert Payment.objects.filter(invoice=invoice).count() == 2


def test_cancelled_invoice_with_payments_is_reported():
    invoice = paid_invoice(payments=("100.00",))
    raw_update(invoice, status=InvoiceStatus.CANCELLED)

    output, error = reconcile_failing()

    assert "cancelled_with_payments" in output
    assert "Run with --fix" not in str(error)


def test_payment_of_another_school_is_reported():
    invoice = paid_invoice(payments=("100.00",))
    PaymentFactory(invoice=invoice, school=SchoolFactory(), amount=Decimal("1.00"))

    report = invoice_discrepancy_list()

    assert "payment_school_mismatch" in report.by_kind()


def test_invoice_of_a_student_in_another_school_is_reported():
    invoice = InvoiceFactory()
    InvoiceFactory(student=invoice.student, school=SchoolFactory())

    report = invoice_discrepancy_list()

    assert report.by_kind() == {"invoice_school_mismatch": 1}


def test_school_option_checks_only_that_school():
    broken = paid_invoice()
    raw_update(broken, paid_amount=Decimal("0.00"), status=InvoiceStatus.PENDING)
    healthy_school = StudentFactory().school
    InvoiceFactory(student=StudentFactory(school=healthy_school))

    assert reconcile("--school", str(healthy_school.pk)).startswith("Clean: 1 invoices")
    _, error = reconcile_failing("--school", str(broken.school_id))
    assert error.returncode == 1


def test_second_fix_changes_nothing():
    invoice = paid_invoice()
    raw_update(invoice, paid_amount=Decimal("0.00"))
    reconcile("--fix")

    output = reconcile("--fix")

    assert "fixed" not in output and "Clean" in output
