import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.exceptions import (
    AmountBelowPaid,
    InactiveStudent,
    InvalidAmount,
    InvoiceAlreadyPaid,
    InvoiceCancelled,
    InvoiceHasPayments,
)
from billing.models import Invoice, InvoiceStatus, PaymentMethod
from billing.services import (
    invoice_cancel,
    invoice_create,
    invoice_update,
    payment_record,
)
from tests.billing.factories import InvoiceFactory, PaymentFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)


def test_create_numbers_invoices_per_school_and_copies_the_school():
    student = StudentFactory()
    other = StudentFactory()

    first = invoice_create(student_id=student.pk, amount=Decimal("500.00"), due_date=TODAY)
    second = invoice_create(student_id=student.pk, amount=Decimal("500.00"), due_date=TODAY)
    elsewhere = invoice_create(student_id=other.pk, amount=Decimal("500.00"), due_date=TODAY)

    assert first.school_id == student.school_id
    assert first.number[-6:] == "000001" and second.number[-6:] == "000002"
    assert elsewhere.number[-6:] == "000001"


def test_create_with_past_due_date_reads_overdue():
    student = StudentFactory()
    invoice = invoice_create(
        student_id=student.pk,
        amount=Decimal("500.00"),
        due_date=timezone.localdate() - datetime.timedelta(days=5),
    )
    assert invoice.status == InvoiceStatus.OVERDUE


def test_create_refuses_inactive_student_and_bad_amounts():
    inactive = StudentFactory(is_active=False)
    with pytest.raises(InactiveStudent):
        invoice_create(student_id=inactive.pk, amount=Decimal("1.00"), due_date=TODAY)
    with pytest.raises(InvalidAmount):
        invoice_create(student_id=StudentFactory().pk, amount=Decimal("0.00"), due_date=TODAY)
    assert Invoice.objects.count() == 0


def test_cancel_sets_cancelled_and_is_final():
    invoice = InvoiceFactory()

    invoice_cancel(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED
    with pytest.raises(InvoiceCancelled):
        invoice_cancel(invoice_id=invoice.pk)
    with pytest.raises(InvoiceCancelled):
        invoice_update(invoice_id=invoice.pk, description="edited")


def test_invoice_with_payments_cannot_be_cancelled():
    invoice = InvoiceFactory()
    payment_record(invoice_id=invoice.pk, amount=Decimal("10.00"), method=PaymentMethod.CASH)

    with pytest.raises(InvoiceHasPayments):
        invoice_cancel(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIAL


def test_update_cannot_bring_amount_below_paid():
    invoice = InvoiceFactory(amount=Decimal("1000.00"))
    payment_record(invoice_id=invoice.pk, amount=Decimal("600.00"), method=PaymentMethod.CASH)

    with pytest.raises(AmountBelowPaid):
        invoice_update(invoice_id=invoice.pk, amount=Decimal("599.99"))

    invoice.refresh_from_db()
    assert invoice.amount == Decimal("1000.00")


def test_update_to_paid_amount_marks_paid_and_paid_invoice_is_frozen():
    invoice = InvoiceFactory(amount=Decimal("1000.00"))
    payment_record(invoice_id=invoice.pk, amount=Decimal("600.00"), method=PaymentMethod.CASH)

    updated = invoice_update(invoice_id=invoice.pk, amount=Decimal("600.00"))

    assert updated.status == InvoiceStatus.PAID
    with pytest.raises(InvoiceAlreadyPaid):
        invoice_update(invoice_id=invoice.pk, description="late edit")


def test_update_moving_due_date_recomputes_status():
    invoice = InvoiceFactory(due_date=timezone.localdate() - datetime.timedelta(days=10),
                             status=InvoiceStatus.OVERDUE)

    new_due_date = timezone.localdate() + datetime.timedelta(days=10)
    updated = invoice_update(invoice_id=invoice.pk, due_date=new_due_date)

    assert updated.status == InvoiceStatus.PENDING


def test_cache_version_is_bumped_by_money_writes():
    invoice = InvoiceFactory()
    school = invoice.school
    before = school.cache_version

    payment_record(invoice_id=invoice.pk, amount=Decimal("10.00"), method=PaymentMethod.CASH)

    school.refresh_from_db()
    assert school.cache_version == before + 1


def test_payment_factory_sanity_payments_link_to_invoice_school():
    payment = PaymentFactory()
    assert payment.school_id == payment.invoice.school_id
