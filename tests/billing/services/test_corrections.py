"""Credit notes and reversals: immutable, numbered per school, and the books follow."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, connection, transaction

from billing.corrections import credit_note_issue, payment_reverse
from billing.credit import family_credit_balance, family_payment_record, family_refund_create
from billing.exceptions import (
    CreditNoteAboveBalance,
    InvalidReason,
    InvalidReversalDate,
    InvoiceCancelled,
    PaymentAlreadyReversed,
    PaymentCreditRefunded,
    RecordImmutable,
)
from billing.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentReversal,
    ReversalReason,
)
from billing.services import payment_record
from core.dates import local_today
from tests.billing.factories import InvoiceFactory
from tests.families.factories import FamilyFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db
CASH = PaymentMethod.CASH


def fresh(invoice):
    return Invoice.objects.get(pk=invoice.pk)


@pytest.fixture
def invoice():
    return InvoiceFactory(amount=D("1000.00"), due_date=local_today() + datetime.timedelta(days=10))


def test_a_credit_note_lowers_the_balance_and_is_numbered_per_school(invoice):
    note = credit_note_issue(invoice_id=invoice.pk, amount=D("250.00"), reason="Beca 25 %")
    second = credit_note_issue(invoice_id=invoice.pk, amount=D("50.00"), reason="Descuento")
    assert note.number.endswith("-000001") and note.number.startswith("NC-")
    assert second.number.endswith("-000002")
    invoice = fresh(invoice)
    assert invoice.credited_amount == D("300.00") and invoice.balance == D("700.00")
    assert invoice.status == InvoiceStatus.PARTIAL


def test_a_credit_note_that_clears_the_balance_makes_the_invoice_paid(invoice):
    payment_record(invoice_id=invoice.pk, amount=D("600.00"), method=CASH)
    credit_note_issue(invoice_id=invoice.pk, amount=D("400.00"), reason="Beca")
    assert fresh(invoice).status == InvoiceStatus.PAID


def test_a_credit_note_above_the_balance_is_refused_and_changes_nothing(invoice):
    payment_record(invoice_id=invoice.pk, amount=D("600.00"), method=CASH)
    with pytest.raises(CreditNoteAboveBalance):
        credit_note_issue(invoice_id=invoice.pk, amount=D("400.01"), reason="Beca")
    assert fresh(invoice).credited_amount == D("0.00") and not CreditNote.objects.exists()


def test_a_credit_note_needs_a_reason_and_an_open_invoice(invoice):
    with pytest.raises(InvalidReason):
        credit_note_issue(invoice_id=invoice.pk, amount=D("10.00"), reason="  ")
    cancelled = InvoiceFactory(status=InvoiceStatus.CANCELLED)
    with pytest.raises(InvoiceCancelled):
        credit_note_issue(invoice_id=cancelled.pk, amount=D("10.00"), reason="x")


def test_a_reversal_takes_the_payment_back_from_its_invoice(invoice):
    payment = payment_record(invoice_id=invoice.pk, amount=D("1000.00"), method=PaymentMethod.CHECK)
    assert fresh(invoice).status == InvoiceStatus.PAID
    reversal = payment_reverse(payment_id=payment.pk, reason=ReversalReason.BOUNCED_CHECK, note="Sin fondos")
    assert reversal.number.startswith("RV-")
    invoice = fresh(invoice)
    assert invoice.paid_amount == D("0.00") and invoice.status == InvoiceStatus.PENDING
    payment = Payment.objects.get(pk=payment.pk)
    assert payment.is_reversed and payment.allocations.count() == 1  # history stays


def test_reversing_a_family_payment_removes_its_allocations_and_its_credit():
    family = FamilyFactory(school=SchoolFactory())
    kids = [StudentFactory(school=family.school, family=family) for _ in range(2)]
    invoices = [
        InvoiceFactory(student=k, school=k.school, amount=D("300.00"), number=f"2026-9{n}")
        for n, k in enumerate(kids)
    ]
    payment = family_payment_record(family_id=family.pk, amount=D("800.00"), method=CASH)
    assert family_credit_balance(family_id=family.pk) == D("200.00")
    payment_reverse(payment_id=payment.pk, reason=ReversalReason.CHARGEBACK)
    assert [fresh(i).paid_amount for i in invoices] == [D("0.00"), D("0.00")]
    assert family_credit_balance(family_id=family.pk) == D("0.00")


def test_reversing_twice_is_a_conflict(invoice):
    payment = payment_record(invoice_id=invoice.pk, amount=D("100.00"), method=CASH)
    payment_reverse(payment_id=payment.pk, reason=ReversalReason.ENTRY_ERROR)
    with pytest.raises(PaymentAlreadyReversed):
        payment_reverse(payment_id=payment.pk, reason=ReversalReason.ENTRY_ERROR)
    assert PaymentReversal.objects.count() == 1


def test_a_payment_whose_credit_was_refunded_cannot_be_reversed():
    family = FamilyFactory(school=SchoolFactory())
    payment = family_payment_record(family_id=family.pk, amount=D("500.00"), method=CASH)
    family_refund_create(family_id=family.pk, amount=D("100.00"), method=CASH)
    with pytest.raises(PaymentCreditRefunded):
        payment_reverse(payment_id=payment.pk, reason=ReversalReason.OTHER)
    assert not Payment.objects.get(pk=payment.pk).is_reversed
    assert family_credit_balance(family_id=family.pk) == D("400.00")


def test_a_reversal_is_dated_between_its_payment_and_today(invoice):
    payment = payment_record(invoice_id=invoice.pk, amount=D("100.00"), method=CASH,
                             payment_date=local_today() - datetime.timedelta(days=3))
    for day in (local_today() + datetime.timedelta(days=1), local_today() - datetime.timedelta(days=4)):
        with pytest.raises(InvalidReversalDate):
            payment_reverse(payment_id=payment.pk, reason=ReversalReason.OTHER, reversal_date=day)
    assert not PaymentReversal.objects.exists()


def test_corrections_are_immutable_in_python_and_in_sql(invoice):
    note = credit_note_issue(invoice_id=invoice.pk, amount=D("10.00"), reason="x")
    with pytest.raises(RecordImmutable):
        note.save()
    with pytest.raises(RecordImmutable):
        note.delete()
    with pytest.raises(IntegrityError if connection.vendor == "sqlite" else Exception), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE billing_creditnote SET amount = 1")


def test_the_database_refuses_changing_a_payments_amount_or_unreversing_it(invoice):
    payment = payment_record(invoice_id=invoice.pk, amount=D("100.00"), method=CASH)
    payment_reverse(payment_id=payment.pk, reason=ReversalReason.OTHER)
    for sql in ("UPDATE billing_payment SET amount = 1", "UPDATE billing_payment SET is_reversed = FALSE"):
        with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - vendor-specific error class
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert Payment.objects.get(pk=payment.pk).is_reversed
