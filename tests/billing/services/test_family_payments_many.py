"""Many family payments at once (billing.payments_many) are exactly the single service in sequence:
the same payments and receipt numbers, allocations, invoice figures and statuses, credit and
refusals, on random books (seeded); and under a race with single payments nothing is overpaid."""

import datetime
import random
import uuid
from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from billing.corrections import credit_note_issue
from billing.credit import family_credit_balance, family_payment_record
from billing.exceptions import InvoiceAlreadyPaid, Overpayment
from billing.models import (
    Allocation,
    CreditNote,
    DocumentSequence,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
)
from billing.payments_many import FamilyPaymentRequest, family_payments_record_many
from billing.reconcile import invoice_discrepancy_list
from billing.services import payment_record
from core.dates import local_today
from core.exceptions import DomainError, NotFound
from families.models import Family
from tests.billing.factories import InvoiceFactory
from tests.families.factories import FamilyFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db
CASH = PaymentMethod.CASH
AMOUNTS = ["0.01", "99.99", "500.00", "1250.50", "2800.00", "3500.00", "4200.00", "10000.00"]


def _day(n: int) -> datetime.date:
    return local_today() + datetime.timedelta(days=n)


def _books(rng: random.Random) -> tuple[list[Family], list[Invoice]]:
    """A school's random books: families of zero to three children with invoices of a few due
    dates (ties broken by number), some cancelled, some partly credited or paid; families with
    credit; a student billed alone; another school's family."""
    # Some schools take no payment dated before a floor (payment_date_too_old, as the single service).
    school = SchoolFactory(earliest_payment_date=_day(-12) if rng.random() < 0.3 else None)
    families = [FamilyFactory(school=school) for _ in range(rng.randint(2, 6))]
    invoices = []
    for family in families:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            student = StudentFactory(school=school, family=family)
            for _ in range(rng.randint(0, 4)):
                amount = D(rng.choice(AMOUNTS[1:]))
                # Pronto pago on some: paid by its day (past or to come), 90 % settles it.
                offer = (
                    {
                        "early_payment_until": _day(rng.choice([-15, -3, 0, 7])),
                        "early_payment_amount": amount * 9 / 10,
                    }
                    if rng.random() < 0.3
                    else {}
                )
                invoice = InvoiceFactory(
                    student=student,
                    school=school,
                    amount=amount,
                    due_date=_day(rng.choice([-40, -10, -10, 5, 30])),
                    status=InvoiceStatus.CANCELLED if rng.random() < 0.1 else InvoiceStatus.PENDING,
                    **offer,
                )
                invoices.append(invoice)
                if invoice.status == InvoiceStatus.CANCELLED:
                    continue
                roll = rng.random()
                if roll < 0.15:
                    credit_note_issue(invoice_id=invoice.pk, amount=invoice.amount / 4, reason="Beca")
                elif roll < 0.3:
                    payment_record(invoice_id=invoice.pk, amount=invoice.amount / 2, method=CASH)
                elif roll < 0.35:
                    payment_record(invoice_id=invoice.pk, amount=invoice.amount, method=CASH)
        if rng.random() < 0.2:  # credit left by an earlier payment with explicit allocations
            family_payment_record(family_id=family.pk, amount=D("300.00"), method=CASH, allocations=[])
    InvoiceFactory(student=StudentFactory(school=school), school=school, amount=D("700.00"))
    families.append(FamilyFactory())  # of another school: its payments number in its own series
    return families, invoices


def _requests(rng: random.Random, families: list[Family]) -> list[FamilyPaymentRequest]:
    requests = []
    for _ in range(rng.randint(1, 25)):
        family = rng.choice(families[:3] if rng.random() < 0.5 else families)  # repeats happen
        amount = D(rng.choice(AMOUNTS)) + D(rng.randrange(100)) / 100
        request = dict(
            family_id=family.pk,
            amount=amount,
            method=PaymentMethod.BANK_TRANSFER,
            payment_date=_day(-rng.randrange(20)) if rng.random() < 0.8 else None,
            reference=f"REF {rng.randrange(10**6)}",
        )
        roll = rng.random()
        if roll < 0.03:
            request["amount"] = D("0.00")
        elif roll < 0.04:
            request["payment_date"] = datetime.date(1900, 1, 1)  # a typo: before any school's floor
        elif roll < 0.08:
            request["payment_date"] = _day(1)
        elif roll < 0.1:
            request["method"] = "BITCOIN"
        elif roll < 0.12:
            request["family_id"] = uuid.uuid4()
        requests.append(FamilyPaymentRequest(**request))
    return requests


def _outcome(result) -> tuple:
    if isinstance(result, Payment):
        return ("paid", result.number, tuple((a.invoice_id, a.amount) for a in result.allocation_list))
    if isinstance(result, DomainError):
        return ("refused", result.code)
    raise AssertionError(result)


def _one_by_one(requests):
    outcomes = []
    for request in requests:
        try:
            with transaction.atomic():
                result = family_payment_record(
                    family_id=request.family_id,
                    amount=request.amount,
                    method=request.method,
                    payment_date=request.payment_date,
                    reference=request.reference,
                )
        except Family.DoesNotExist:  # the single service's lock read raises it as it is
            result = NotFound()
        except DomainError as refusal:
            result = refusal
        outcomes.append(_outcome(result))
    return outcomes


def _books_now(families) -> dict:
    return {
        "payments": sorted(
            Payment.objects.values_list(
                "school_id",
                "number",
                "family_id",
                "invoice_id",
                "amount",
                "allocated_amount",
                "refunded_amount",
                "payment_date",
                "method",
                "reference",
            )
        ),
        "allocations": sorted(Allocation.objects.values_list("payment__number", "invoice__number", "amount")),
        "credit_notes": sorted(
            CreditNote.objects.values_list("number", "invoice__number", "amount", "reason")
        ),
        "invoices": sorted(
            Invoice.objects.values_list("number", "amount", "paid_amount", "credited_amount", "status")
        ),
        "credit": {family.pk: family_credit_balance(family_id=family.pk) for family in families},
        "sequences": sorted(DocumentSequence.objects.values_list("school_id", "kind", "year", "last_value")),
        "payment_history": sorted(Payment.history.values_list("number", "history_type", "allocated_amount")),
    }


def _run(write, families):
    """What a write does to the books, then undone (the next write starts from the same books)."""
    with transaction.atomic():
        outcomes = write()
        books = _books_now(families)
        report = invoice_discrepancy_list()
        transaction.set_rollback(True)
    return outcomes, books, report


@pytest.mark.parametrize("seed", range(16))
def test_many_at_once_is_the_single_service_in_sequence(seed):
    rng = random.Random(seed)
    families, _invoices = _books(rng)
    requests = _requests(rng, families)

    single = _run(lambda: _one_by_one(requests), families)
    many = _run(
        lambda: [_outcome(result) for result in family_payments_record_many(requests=requests)], families
    )

    assert many[0] == single[0]  # outcome by outcome: receipt number, allocations, or the refusal
    single_books, many_books = single[1], many[1]
    for part in single_books:
        assert many_books[part] == single_books[part], part
    assert many[2].clean, many[2].discrepancies  # reconcile: every derived figure agrees


def test_the_many_version_writes_each_invoices_new_figures_and_history_in_bulk():
    family = FamilyFactory(school=SchoolFactory())
    kids = [StudentFactory(school=family.school, family=family) for _ in range(2)]
    old = InvoiceFactory(student=kids[0], school=family.school, amount=D("500.00"), due_date=_day(-5))
    new = InvoiceFactory(student=kids[1], school=family.school, amount=D("500.00"), due_date=_day(5))
    requests = [
        FamilyPaymentRequest(family.pk, D("300.00"), CASH),
        FamilyPaymentRequest(family.pk, D("900.00"), CASH),
    ]

    first, second = family_payments_record_many(requests=requests)

    assert [(a.invoice_id, a.amount) for a in first.allocation_list] == [(old.pk, D("300.00"))]
    assert [(a.invoice_id, a.amount) for a in second.allocation_list] == [
        (old.pk, D("200.00")),
        (new.pk, D("500.00")),
    ]
    assert {i.pk: (i.paid_amount, i.status) for i in Invoice.objects.all()} == {
        old.pk: (D("500.00"), InvoiceStatus.PAID),
        new.pk: (D("500.00"), InvoiceStatus.PAID),
    }
    assert family_credit_balance(family_id=family.pk) == D("200.00")
    assert Payment.history.filter(history_type="+").count() == 2
    # One history row per invoice whose paid amount changed, with its new figures.
    assert sorted(Invoice.history.filter(history_type="~").values_list("number", "paid_amount")) == sorted(
        [(old.number, D("500.00")), (new.number, D("500.00"))]
    )


def test_the_history_rows_say_who_and_which_request_as_saves_do():
    import structlog

    family = FamilyFactory(school=SchoolFactory())
    invoice = InvoiceFactory(
        student=StudentFactory(school=family.school, family=family), school=family.school, amount=D("500.00")
    )
    actor = UserFactory()
    with structlog.contextvars.bound_contextvars(request_id="req-16"):
        (payment,) = family_payments_record_many(
            requests=[FamilyPaymentRequest(family.pk, D("200.00"), CASH, reference="SPEI 1")], actor=actor
        )
    row = Payment.history.get()
    assert (row.id, row.number, row.amount, row.allocated_amount, row.reference, row.history_type) == (
        payment.pk,
        payment.number,
        D("200.00"),
        D("200.00"),
        "SPEI 1",
        "+",
    )
    assert (row.history_user, row.request_id) == (actor, "req-16")
    row = Invoice.history.get(history_type="~")  # the factory wrote the "+" one
    assert (row.id, row.paid_amount, row.status, row.history_type, row.history_user, row.request_id) == (
        invoice.pk,
        D("200.00"),
        InvoiceStatus.PARTIAL,
        "~",
        actor,
        "req-16",
    )


def test_nothing_to_record_writes_nothing():
    assert family_payments_record_many(requests=[]) == []
    (refused,) = family_payments_record_many(requests=[FamilyPaymentRequest(uuid.uuid4(), D("10.00"), CASH)])
    assert refused.code == "not_found"
    assert not Payment.objects.exists() and not DocumentSequence.objects.exists()


# --- concurrency (PostgreSQL: SQLite serialises every write) -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_batch_racing_single_payments_on_the_same_families_never_overpays():
    """One batch of 30 family payments (three families, ten each) races 12 single family payments
    and 12 invoice payments on the same families' invoices: nothing is paid twice, every peso is
    on an invoice or in its family's credit, and the books reconcile."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    school = SchoolFactory()
    families = [FamilyFactory(school=school) for _ in range(3)]
    invoices = []
    for n, family in enumerate(families):
        for k in range(2):
            student = StudentFactory(school=school, family=family)
            for m in range(2):
                invoices.append(
                    InvoiceFactory(
                        student=student,
                        school=school,
                        amount=D("1000.00"),
                        due_date=_day(m * 10 - k),
                        number=f"2026-{n}{k}{m:04d}",
                    )
                )
    batch = [
        FamilyPaymentRequest(families[n % 3].pk, D("130.00"), PaymentMethod.BANK_TRANSFER) for n in range(30)
    ]

    def pay(n: int):
        if n == 0:
            return family_payments_record_many(requests=batch)
        if n % 2:
            return family_payment_record(family_id=families[n % 3].pk, amount=D("250.00"), method=CASH)
        return payment_record(invoice_id=invoices[n % len(invoices)].pk, amount=D("400.00"), method=CASH)

    batch_outcome, *outcomes = run_together(25, pay, refusals=(Overpayment, InvoiceAlreadyPaid))

    assert all(isinstance(p, Payment) for p in batch_outcome)
    paid_singly = sum(isinstance(outcome, Payment) for outcome in outcomes)
    assert Payment.objects.count() == 30 + paid_singly
    for invoice in Invoice.objects.all():
        assert invoice.paid_amount <= invoice.amount
        assert invoice.paid_amount == (invoice.allocations.aggregate(t=Sum("amount"))["t"] or D("0"))
    for family in families:
        received = Payment.objects.filter(family=family).aggregate(t=Sum("amount"))["t"]
        allocated = Allocation.objects.filter(payment__family=family).aggregate(t=Sum("amount"))["t"]
        assert family_credit_balance(family_id=family.pk) == received - allocated
    numbers = list(Payment.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))  # receipt numbers never collide
    assert invoice_discrepancy_list().clean
