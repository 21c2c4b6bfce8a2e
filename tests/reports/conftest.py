"""A generated dataset for the report tests: two schools with paid, partial, overdue (stored
status stale: the sweep has not run), due-today, future, cancelled and payment-less invoices,
and a third school with nothing. Amounts carry cents so sums are checked to the cent."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from core.dates import local_today
from schools.models import School
from students.models import Student
from tests.billing.factories import InvoiceFactory, PaymentFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory

CENT = Decimal("0.01")


@dataclass
class Dataset:
    today: date
    school_a: School
    school_b: School
    empty_school: School
    students: list[Student] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)


def _pay(invoice: Invoice, amount: Decimal, day: date, method: str, dataset: Dataset) -> None:
    dataset.payments.append(PaymentFactory(invoice=invoice, amount=amount, payment_date=day, method=method))


def _invoice(dataset: Dataset, student: Student, *, amount: str, due: date, paid: list[tuple[str, date]] = (),
             cancelled: bool = False, methods=None) -> Invoice:
    amount_d = Decimal(amount)
    paid_total = sum((Decimal(a) for a, _ in paid), Decimal("0.00"))
    # The stored status is what an earlier write left: never OVERDUE (the sweep has not run).
    if cancelled:
        status = InvoiceStatus.CANCELLED
    elif paid_total >= amount_d:
        status = InvoiceStatus.PAID
    elif paid_total > 0:
        status = InvoiceStatus.PARTIAL
    else:
        status = InvoiceStatus.PENDING
    invoice = InvoiceFactory(
        student=student, amount=amount_d, paid_amount=paid_total, due_date=due, status=status
    )
    methods = methods or list(PaymentMethod.values)
    for index, (part, day) in enumerate(paid):
        _pay(invoice, Decimal(part), day, methods[index % len(methods)], dataset)
    dataset.invoices.append(invoice)
    return invoice


def build_dataset(today: date, seed: int = 7) -> Dataset:
    rng = random.Random(seed)
    dataset = Dataset(
        today=today,
        school_a=SchoolFactory(name="Colegio Alfa"),
        school_b=SchoolFactory(name="Colegio Beta"),
        empty_school=SchoolFactory(name="Colegio Vacío"),
    )
    d = lambda days: today + timedelta(days=days)  # noqa: E731
    for school, count in ((dataset.school_a, 5), (dataset.school_b, 3)):
        for n in range(count):
            dataset.students.append(
                StudentFactory(school=school, first_name=f"Ana{n}", last_name=school.name.split()[1],
                               grade=str(1 + n % 3), is_active=n != 2)
            )
    a0, a1, a2, a3, a4, b0, b1, b2 = dataset.students
    # Hand-placed cases, so every branch of every rule is present whatever the seed gives.
    _invoice(dataset, a0, amount="1000.00", due=d(-40), paid=[("600.00", d(-45)), ("400.00", d(-41))])  # paid
    _invoice(dataset, a0, amount="800.50", due=d(-45), paid=[("300.25", d(-44))])  # partial, 45 days overdue
    _invoice(dataset, a0, amount="333.33", due=d(-1))  # 1 day overdue, 0-30
    _invoice(dataset, a0, amount="250.00", due=d(0))  # due today: not overdue
    _invoice(dataset, a1, amount="1200.00", due=d(-100))  # 90+
    _invoice(dataset, a1, amount="999.99", due=d(-30))  # 30 days: 0-30
    _invoice(dataset, a1, amount="450.00", due=d(-31), paid=[("50.00", d(-20))])  # 31 days: 31-60
    _invoice(dataset, a1, amount="700.00", due=d(-61))  # 61-90
    _invoice(dataset, a1, amount="700.00", due=d(-90))  # 61-90
    _invoice(dataset, a1, amount="700.00", due=d(-91))  # 90+
    _invoice(dataset, a2, amount="500.00", due=d(-10), cancelled=True)  # would be overdue: counts nowhere
    _invoice(dataset, a2, amount="640.00", due=d(20), cancelled=True)
    _invoice(dataset, a3, amount="900.00", due=d(15), paid=[("150.50", d(-2))])  # future partial
    _invoice(dataset, a3, amount="300.00", due=d(45))  # future pending
    # a4 has no invoices at all.
    _invoice(dataset, b0, amount="1500.00", due=d(-5), paid=[("1500.00", d(-5))])  # paid on the due date
    _invoice(dataset, b0, amount="1500.00", due=d(-35), paid=[("700.00", d(-35))])  # partial, overdue
    _invoice(dataset, b1, amount="120.10", due=d(-200), cancelled=True)
    # Generated ones on top, for volume and odd cents.
    for student in (a0, a1, a3, b0, b1, b2):
        for _ in range(rng.randint(2, 5)):
            amount = Decimal(rng.randint(5000, 150000)) / 100
            due = d(rng.randint(-150, 60))
            kind = rng.choice(["pending", "partial", "paid", "cancelled"])
            paid: list[tuple[str, date]] = []
            if kind == "partial":
                part = (amount * Decimal(rng.randint(10, 90)) / 100).quantize(CENT)
                paid = [(str(part), d(rng.randint(-150, 0)))]
            elif kind == "paid":
                first = (amount / 3).quantize(CENT)
                paid = [(str(first), d(rng.randint(-150, -1))),
                        (str(amount - first), d(rng.randint(-150, 0)))]
            _invoice(dataset, student, amount=str(amount), due=due, paid=paid, cancelled=kind == "cancelled")
    return dataset


@pytest.fixture
def dataset(db) -> Dataset:
    return build_dataset(local_today())
