"""Pronto pago: a payment made by the invoice's early-payment day that covers the discounted balance
settles it, through a credit note issued in the payment's own transaction; late, the full balance
is owed."""

import datetime
from decimal import Decimal as D

import pytest

from billing.credit import AllocationRequest, family_payment_record
from billing.exceptions import InvoiceAlreadyPaid, Overpayment
from billing.models import CreditNote, Invoice, InvoiceStatus, Payment, PaymentMethod
from billing.services import EARLY_PAYMENT_REASON, payment_record
from core.dates import local_today
from tests.billing.factories import InvoiceFactory
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory
from tests.support.concurrency import run_together

CASH = PaymentMethod.CASH
SETTLED_BY_PRONTO_PAGO = (D("900.00"), D("100.00"), InvoiceStatus.PAID, [(D("100.00"), EARLY_PAYMENT_REASON)])


def offer(until_days: int = 5, **fields) -> Invoice:
    """An invoice of 1,000 that 900 settles until `until_days` from today (due in 10 days)."""
    today = local_today()
    return InvoiceFactory(
        amount=D("1000.00"), due_date=today + datetime.timedelta(days=10),
        early_payment_until=today + datetime.timedelta(days=until_days), early_payment_amount=D("900.00"),
        **fields,
    )


def figures(invoice: Invoice) -> tuple:
    invoice.refresh_from_db()
    notes = list(CreditNote.objects.filter(invoice=invoice).values_list("amount", "reason"))
    return invoice.paid_amount, invoice.credited_amount, invoice.status, notes


@pytest.mark.django_db
def test_paid_in_time_the_discounted_amount_settles_the_invoice_by_a_credit_note():
    invoice = offer()

    payment = payment_record(invoice_id=invoice.pk, amount=D("900.00"), method=CASH)

    assert figures(invoice) == SETTLED_BY_PRONTO_PAGO
    assert payment.invoice.status == InvoiceStatus.PAID  # the answer already shows it


@pytest.mark.django_db
def test_the_day_of_the_payment_counts_not_the_day_it_is_recorded():
    invoice = offer(until_days=-2)  # the offer ended two days ago
    paid_on = local_today() - datetime.timedelta(days=3)

    payment_record(invoice_id=invoice.pk, amount=D("900.00"), method=CASH, payment_date=paid_on)

    assert figures(invoice)[:3] == (D("900.00"), D("100.00"), InvoiceStatus.PAID)


@pytest.mark.django_db
def test_late_there_is_no_discount():
    invoice = offer(until_days=-1)

    payment_record(invoice_id=invoice.pk, amount=D("900.00"), method=CASH)

    assert figures(invoice) == (D("900.00"), D("0.00"), InvoiceStatus.PARTIAL, [])
    payment_record(invoice_id=invoice.pk, amount=D("100.00"), method=CASH)
    assert figures(invoice) == (D("1000.00"), D("0.00"), InvoiceStatus.PAID, [])


@pytest.mark.django_db
def test_instalments_in_time_earn_the_discount_when_they_reach_the_discounted_amount():
    invoice = offer()

    payment_record(invoice_id=invoice.pk, amount=D("500.00"), method=CASH)
    assert figures(invoice) == (D("500.00"), D("0.00"), InvoiceStatus.PARTIAL, [])
    payment_record(invoice_id=invoice.pk, amount=D("400.00"), method=CASH)

    assert figures(invoice)[:3] == (D("900.00"), D("100.00"), InvoiceStatus.PAID)


@pytest.mark.django_db
def test_paying_the_full_amount_in_time_is_accepted_and_needs_no_note():
    invoice = offer()

    payment_record(invoice_id=invoice.pk, amount=D("1000.00"), method=CASH)

    assert figures(invoice) == (D("1000.00"), D("0.00"), InvoiceStatus.PAID, [])


@pytest.mark.django_db
def test_a_family_payment_spends_only_the_discounted_amount_and_keeps_the_rest():
    family = FamilyFactory()
    child = StudentFactory(school=family.school, family=family)
    discounted = offer(student=child)
    later = InvoiceFactory(student=child, amount=D("500.00"),
                           due_date=local_today() + datetime.timedelta(days=40))

    payment = family_payment_record(family_id=family.pk, amount=D("1400.00"), method=CASH)

    assert figures(discounted)[:3] == (D("900.00"), D("100.00"), InvoiceStatus.PAID)
    assert figures(later)[:3] == (D("500.00"), D("0.00"), InvoiceStatus.PAID)
    assert payment.allocated_amount == D("1400.00")


@pytest.mark.django_db
def test_a_family_payment_listing_the_discounted_amount_settles_the_invoice():
    family = FamilyFactory()
    child = StudentFactory(school=family.school, family=family)
    discounted = offer(student=child)

    family_payment_record(family_id=family.pk, amount=D("1000.00"), method=CASH,
                          allocations=[AllocationRequest(discounted.pk, D("900.00"))])

    assert figures(discounted)[:3] == (D("900.00"), D("100.00"), InvoiceStatus.PAID)


@pytest.mark.django_db(transaction=True)
def test_two_payments_in_time_at_once_settle_the_invoice_once():
    invoice = offer()

    def pay(_):
        return payment_record(invoice_id=invoice.pk, amount=D("900.00"), method=CASH)

    outcomes = run_together(2, pay, refusals=(Overpayment, InvoiceAlreadyPaid))

    assert sum(isinstance(outcome, Payment) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, Overpayment | InvoiceAlreadyPaid) for outcome in outcomes) == 1
    assert figures(invoice) == SETTLED_BY_PRONTO_PAGO
