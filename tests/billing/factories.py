"""Invoices and payments for tests, written as rows. Money is written out, never random."""

import datetime
from decimal import Decimal

import factory

from billing.models import Allocation, Invoice, InvoiceStatus, Payment, PaymentMethod
from core.dates import local_today
from tests.students.factories import StudentFactory


class InvoiceFactory(factory.django.DjangoModelFactory):
    """Writes rows directly, for arranging state; behaviour goes through billing.services."""

    class Meta:
        model = Invoice

    student = factory.SubFactory(StudentFactory)
    school = factory.SelfAttribute("student.school")
    # Far above what a school's document sequence hands out in a test (it starts at 000001 per
    # school): a factory row never takes the number the service gives the next one.
    number = factory.Sequence(lambda n: f"2026-{800000 + n:06d}")
    amount = Decimal("1000.00")
    paid_amount = Decimal("0.00")
    due_date = factory.LazyFunction(lambda: local_today() + datetime.timedelta(days=30))
    status = InvoiceStatus.PENDING
    description = "Colegiatura"


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment against one invoice, with its one allocation (as billing.services.payment_record
    writes it). The invoice's paid_amount is the caller's to arrange."""

    class Meta:
        model = Payment
        skip_postgeneration_save = True  # payments are immutable: no second save

    invoice = factory.SubFactory(InvoiceFactory)
    school = factory.SelfAttribute("invoice.school")
    family = factory.SelfAttribute("invoice.student.family")
    # Far above what a school's document sequence hands out in a test (it starts at 000001 per
    # school): a factory row never takes the number the service gives the next one.
    number = factory.Sequence(lambda n: f"2026-{800000 + n:06d}")
    amount = Decimal("100.00")
    allocated_amount = factory.SelfAttribute("amount")
    payment_date = factory.LazyFunction(local_today)
    method = PaymentMethod.CASH

    @factory.post_generation
    def _allocation(obj, create, extracted, **kwargs):
        if create and obj.invoice_id is not None and obj.allocated_amount > 0:
            Allocation.objects.create(payment=obj, invoice_id=obj.invoice_id, amount=obj.allocated_amount)
