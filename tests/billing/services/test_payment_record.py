import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.exceptions import (
    FuturePaymentDate,
    InvalidAmount,
    InvalidPaymentMethod,
    InvoiceAlreadyPaid,
    InvoiceCancelled,
    Overpayment,
)
from billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from billing.services import payment_record
from tests.billing.factories import InvoiceFactory
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db


def test_partial_payment_sets_paid_amount_and_partial_status():
    invoice = InvoiceFactory(amount=Decimal("1000.00"))

    payment = payment_record(invoice_id=invoice.pk, amount=Decimal("400.00"), method=PaymentMethod.CASH)

    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("400.00")
    assert invoice.status == InvoiceStatus.PARTIAL
    assert payment.school_id == invoice.school_id
    assert payment.number.endswith("-000001")


def test_full_payment_marks_invoice_paid():
    invoice = InvoiceFactory(amount=Decimal("1000.00"), paid_amount=Decimal("250.00"),
                             status=InvoiceStatus.PARTIAL)

    payment_record(invoice_id=invoice.pk, amount="750.00", method=PaymentMethod.BANK_TRANSFER)

    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("1000.00")
    assert invoice.status == InvoiceStatus.PAID


def test_overpayment_is_refused_and_changes_nothing():
    invoice = InvoiceFactory(amount=Decimal("1000.00"), paid_amount=Decimal("900.00"),
                             status=InvoiceStatus.PARTIAL)

    with pytest.raises(Overpayment):
        payment_record(invoice_id=invoice.pk, amount=Decimal("100.01"), method=PaymentMethod.CASH)

    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("900.00")
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00"), Decimal("10000000000.00")])
def test_non_positive_or_huge_amount_is_refused(amount):
    invoice = InvoiceFactory()

    with pytest.raises(InvalidAmount):
        payment_record(invoice_id=invoice.pk, amount=amount, method=PaymentMethod.CASH)

    assert Payment.objects.count() == 0


def test_cancelled_invoice_refuses_payment():
    invoice = InvoiceFactory(status=InvoiceStatus.CANCELLED)

    with pytest.raises(InvoiceCancelled):
        payment_record(invoice_id=invoice.pk, amount=Decimal("1.00"), method=PaymentMethod.CASH)


def test_paid_invoice_refuses_payment():
    invoice = InvoiceFactory(amount=Decimal("10.00"), paid_amount=Decimal("10.00"), status=InvoiceStatus.PAID)

    with pytest.raises(InvoiceAlreadyPaid):
        payment_record(invoice_id=invoice.pk, amount=Decimal("1.00"), method=PaymentMethod.CASH)


def test_unknown_method_is_refused():
    invoice = InvoiceFactory()

    with pytest.raises(InvalidPaymentMethod):
        payment_record(invoice_id=invoice.pk, amount=Decimal("1.00"), method="BITCOIN")


def test_float_amount_is_refused_before_touching_the_invoice():
    invoice = InvoiceFactory()

    with pytest.raises(TypeError):
        payment_record(invoice_id=invoice.pk, amount=0.1, method=PaymentMethod.CASH)


def test_receipt_numbers_are_consecutive_per_school():
    first = InvoiceFactory()
    second = InvoiceFactory(student__school=first.school)

    numbers = [
        payment_record(invoice_id=inv.pk, amount=Decimal("10.00"), method=PaymentMethod.CASH).number
        for inv in (first, second, first)
    ]

    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_payments_never_overpay():
    """20 threads pay 100 each on an invoice of 1,000: exactly 10 succeed."""
    invoice = InvoiceFactory(amount=Decimal("1000.00"))

    def pay(_):
        return payment_record(invoice_id=invoice.pk, amount=Decimal("100.00"), method=PaymentMethod.CASH)

    outcomes = run_together(20, pay, refusals=(Overpayment, InvoiceAlreadyPaid))

    invoice = Invoice.objects.get(pk=invoice.pk)
    assert sum(isinstance(outcome, Payment) for outcome in outcomes) == 10
    assert sum(isinstance(outcome, Overpayment | InvoiceAlreadyPaid) for outcome in outcomes) == 10
    assert invoice.paid_amount == Decimal("1000.00")
    assert invoice.status == InvoiceStatus.PAID
    assert Payment.objects.filter(invoice=invoice).count() == 10


def test_a_payment_dated_in_the_future_is_refused_and_changes_nothing():
    invoice = InvoiceFactory()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(FuturePaymentDate):
        payment_record(invoice_id=invoice.pk, amount=Decimal("10.00"), method=PaymentMethod.CASH,
                       payment_date=tomorrow)

    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("0.00")
    assert Payment.objects.count() == 0


def test_a_payment_dated_today_or_earlier_is_accepted():
    invoice = InvoiceFactory()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    payment = payment_record(invoice_id=invoice.pk, amount=Decimal("10.00"), method=PaymentMethod.CASH,
                             payment_date=yesterday)

    assert payment.payment_date == yesterday
