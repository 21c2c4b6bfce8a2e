"""The money invariants hold in the database even when Python is bypassed."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.models import F

from billing.exceptions import PaymentImmutable
from billing.models import Invoice, Payment
from tests.billing.factories import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

DB_REFUSALS = (IntegrityError, InternalError)


def test_paid_amount_above_amount_is_refused_by_the_database():
    invoice = InvoiceFactory(amount=Decimal("100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(paid_amount=Decimal("100.01"))


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-1.00")])
def test_non_positive_invoice_amount_is_refused_by_the_database(amount):
    invoice = InvoiceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(amount=amount)


def test_negative_paid_amount_is_refused_by_the_database():
    invoice = InvoiceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(paid_amount=Decimal("-0.01"))


def test_non_positive_payment_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(amount=Decimal("0.00"))


def test_duplicate_invoice_number_in_one_school_is_refused():
    invoice = InvoiceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(student__school=invoice.school, number=invoice.number)


def test_payment_second_save_delete_and_queryset_writes_raise():
    payment = PaymentFactory()
    payment.amount = Decimal("1.00")
    with pytest.raises(PaymentImmutable):
        payment.save()
    with pytest.raises(PaymentImmutable):
        payment.delete()
    with pytest.raises(PaymentImmutable):
        Payment.objects.filter(pk=payment.pk).update(amount=F("amount") + 1)
    with pytest.raises(PaymentImmutable):
        Payment.objects.filter(pk=payment.pk).delete()


def test_raw_sql_update_of_a_payment_is_refused_by_the_database():
    payment = PaymentFactory()
    with pytest.raises(DB_REFUSALS), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE billing_payment SET amount = 1 WHERE id = %s",
                       [Payment._meta.pk.get_db_prep_value(payment.pk, connection)])
    payment.refresh_from_db()
    assert payment.amount == Decimal("100.00")


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite guards DELETE in Python only")
def test_raw_sql_delete_of_a_payment_is_refused_by_postgresql():
    payment = PaymentFactory()
    with pytest.raises(DB_REFUSALS), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM billing_payment WHERE id = %s", [payment.pk])
    assert Payment.objects.filter(pk=payment.pk).exists()
