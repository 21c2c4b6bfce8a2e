"""Hand-built payment histories: invoices with the payments that settled them, dated relative to today."""

from datetime import timedelta
from decimal import Decimal

from billing.models import InvoiceStatus
from core.dates import local_today
from tests.billing.factories import InvoiceFactory, PaymentFactory


def days_ago(n: int):
    return local_today() - timedelta(days=n)


def invoice_with_payments(student, *, amount="1000.00", due_days_ago: int, payments=(), description=""):
    """An invoice due `due_days_ago` days ago (negative: in the future) and its payments.

    `payments`: (days_ago, amount) pairs. paid_amount and status follow from them.
    """
    amount = Decimal(amount)
    paid = sum((Decimal(a) for _, a in payments), Decimal("0.00"))
    due = days_ago(due_days_ago)
    status = (
        InvoiceStatus.PAID if paid >= amount
        else InvoiceStatus.OVERDUE if due < local_today()
        else InvoiceStatus.PARTIAL if paid else InvoiceStatus.PENDING
    )
    invoice = InvoiceFactory(
        student=student, amount=amount, paid_amount=paid, due_date=due, status=status,
        description=description or "Colegiatura",
    )
    for paid_days_ago, paid_amount in payments:
        PaymentFactory(invoice=invoice, amount=Decimal(paid_amount), payment_date=days_ago(paid_days_ago))
    return invoice


def punctual_history(student, months: int = 8):
    """Every monthly invoice paid in full five days before its due date."""
    for m in range(months):
        due = 30 * m + 10
        invoice_with_payments(student, due_days_ago=due, payments=[(due + 5, "1000.00")])


def chronic_late_history(student):
    """Six invoices paid 30-60 days late, two still unpaid 45 and 75 days past due."""
    for m, late in zip(range(6), (30, 45, 60, 35, 50, 40), strict=True):
        due = 120 + 30 * m
        invoice_with_payments(student, due_days_ago=due, payments=[(due - late, "1000.00")])
    invoice_with_payments(student, due_days_ago=75)
    invoice_with_payments(student, due_days_ago=45)
