"""A small, hand-computed dataset shared by the statement tests.

Student Ana (active), relative to today (the overdue sweep has NOT run; stored statuses are stale):

    A  1000.00  due today-40  paid 400 (payment P1, today-45)  stored PARTIAL -> reads OVERDUE, 600 overdue
    B   500.00  due today-10  paid 500 (payment P2, today-12)  PAID
    C   800.00  due today+20  unpaid                            PENDING
    D   300.00  due today-5   CANCELLED: listed, counted nowhere

    total_invoiced 2300, total_paid 900, total_pending 1400, total_overdue 600

Student Beto (inactive) in the same school: E 200.00 due today-2, unpaid, stored PENDING -> OVERDUE.
Student Carla (active), no invoices. Another school holds a student with an invoice and a payment.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from billing.models import Invoice, InvoiceStatus, Payment
from core.dates import local_today
from students.models import Student
from tests.billing.factories import InvoiceFactory, PaymentFactory
from tests.students.factories import StudentFactory


def days(n: int) -> datetime.date:
    return local_today() + datetime.timedelta(days=n)


@dataclass
class Books:
    ana: Student
    beto: Student
    carla: Student
    a: Invoice
    b: Invoice
    c: Invoice
    d: Invoice
    e: Invoice
    p1: Payment
    p2: Payment
    foreign_student: Student
    foreign_invoice: Invoice


@pytest.fixture
def books(school, other_school) -> Books:
    ana = StudentFactory(school=school, first_name="Ana", last_name="Gómez")
    beto = StudentFactory(school=school, first_name="Beto", last_name="Ruiz", is_active=False)
    carla = StudentFactory(school=school, first_name="Carla", last_name="Díaz")
    a = InvoiceFactory(student=ana, number="T-1", amount=Decimal("1000.00"),
                       paid_amount=Decimal("400.00"), due_date=days(-40), status=InvoiceStatus.PARTIAL,
                       description="Colegiatura A")
    b = InvoiceFactory(student=ana, number="T-2", amount=Decimal("500.00"),
                       paid_amount=Decimal("500.00"), due_date=days(-10), status=InvoiceStatus.PAID,
                       description="Colegiatura B")
    c = InvoiceFactory(student=ana, number="T-3", amount=Decimal("800.00"), due_date=days(20),
                       description="Colegiatura C")
    d = InvoiceFactory(student=ana, number="T-4", amount=Decimal("300.00"), due_date=days(-5),
                       status=InvoiceStatus.CANCELLED, description="Cancelada")
    e = InvoiceFactory(student=beto, number="T-5", amount=Decimal("200.00"), due_date=days(-2),
                       description="Colegiatura E")
    p1 = PaymentFactory(invoice=a, number="R-01", amount=Decimal("400.00"), payment_date=days(-45),
                        method="CASH", reference="caja 1")
    p2 = PaymentFactory(invoice=b, number="R-02", amount=Decimal("500.00"), payment_date=days(-12),
                        method="BANK_TRANSFER", reference="SPEI 42")
    foreign_student = StudentFactory(school=other_school)
    foreign_invoice = InvoiceFactory(student=foreign_student, amount=Decimal("999.00"),
                                     paid_amount=Decimal("99.00"), due_date=days(-3))
    PaymentFactory(invoice=foreign_invoice, amount=Decimal("99.00"), payment_date=days(-3))
    return Books(ana, beto, carla, a, b, c, d, e, p1, p2, foreign_student, foreign_invoice)
