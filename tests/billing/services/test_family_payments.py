"""Family payments: one deposit for every child, allocated oldest-first or as listed; the rest is
credit, spent on new invoices at once, refunded on request, never negative."""

import datetime
from decimal import Decimal as D

import pytest
from django.db.models import Sum

from billing.credit import (
    AllocationRequest,
    family_credit_balance,
    family_payment_record,
    family_refund_create,
)
from billing.exceptions import (
    AllocationsExceedPayment,
    InvalidAllocations,
    InvoiceAlreadyPaid,
    InvoiceCancelled,
    Overpayment,
    RefundAboveCredit,
)
from billing.models import Allocation, Invoice, InvoiceStatus, Payment, PaymentMethod, Refund
from billing.services import family_credit_apply, invoice_create, payment_record
from core.dates import local_today
from core.exceptions import NotFound
from tests.billing.factories import InvoiceFactory
from tests.families.factories import FamilyFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db
CASH = PaymentMethod.CASH


def days(n: int) -> datetime.date:
    return local_today() + datetime.timedelta(days=n)


@pytest.fixture
def family():
    return FamilyFactory(school=SchoolFactory())


@pytest.fixture
def children(family):
    return [StudentFactory(school=family.school, family=family) for _ in range(2)]


def bill(student, amount: str, due: int, **kwargs) -> Invoice:
    return InvoiceFactory(
        student=student, school=student.school, amount=D(amount), due_date=days(due), **kwargs
    )


def pay(family, amount: str, **kwargs) -> Payment:
    return family_payment_record(family_id=family.pk, amount=D(amount), method=CASH, **kwargs)


def fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def test_one_payment_pays_both_children_oldest_due_date_first_and_the_rest_is_credit(family, children):
    ana, beto = children
    later = bill(ana, "500.00", due=20)
    oldest = bill(beto, "300.00", due=-5)
    middle = bill(ana, "400.00", due=5)

    payment = pay(family, "1000.00")

    assert [(a.invoice_id, a.amount) for a in payment.allocation_list] == [
        (oldest.pk, D("300.00")), (middle.pk, D("400.00")), (later.pk, D("300.00")),
    ]
    assert (fresh(oldest).status, fresh(middle).status, fresh(later).status) == (
        InvoiceStatus.PAID, InvoiceStatus.PAID, InvoiceStatus.PARTIAL,
    )
    assert payment.allocated_amount == D("1000.00") and payment.invoice_id is None
    assert family_credit_balance(family_id=family.pk) == D("0.00")


def test_an_overpayment_by_a_family_becomes_credit(family, children):
    invoice = bill(children[0], "500.00", due=5)
    payment = pay(family, "700.00")
    assert fresh(invoice).paid_amount == D("500.00")
    assert Payment.objects.get(pk=payment.pk).unallocated_amount == D("200.00")
    assert family_credit_balance(family_id=family.pk) == D("200.00")


def test_explicit_allocations_go_where_listed_and_leave_the_rest_as_credit(family, children):
    old = bill(children[0], "500.00", due=-10)
    new = bill(children[1], "500.00", due=10)
    pay(family, "600.00", allocations=[AllocationRequest(invoice_id=str(new.pk), amount=D("250.00"))])
    assert fresh(old).paid_amount == D("0.00")  # never allocated automatically
    assert fresh(new).paid_amount == D("250.00")
    assert family_credit_balance(family_id=family.pk) == D("350.00")


def test_a_new_invoice_is_paid_from_credit_at_once(family, children):
    pay(family, "200.00")  # nothing owed yet: all credit
    invoice = invoice_create(student_id=children[1].pk, amount=D("500.00"), due_date=days(30))
    assert invoice.paid_amount == D("200.00") and invoice.status == InvoiceStatus.PARTIAL
    assert fresh(invoice).paid_amount == D("200.00")
    assert family_credit_balance(family_id=family.pk) == D("0.00")
    assert Allocation.objects.get(invoice=invoice).amount == D("200.00")


def test_credit_is_spent_oldest_payment_first(family, children):
    first = pay(family, "100.00", payment_date=days(-3))
    second = pay(family, "100.00", payment_date=days(-1))
    invoice_create(student_id=children[0].pk, amount=D("150.00"), due_date=days(30))
    assert Payment.objects.get(pk=first.pk).unallocated_amount == D("0.00")
    assert Payment.objects.get(pk=second.pk).unallocated_amount == D("50.00")


def test_a_student_without_family_is_billed_alone(family):
    loner = StudentFactory(school=family.school)
    pay(family, "500.00")
    invoice = invoice_create(student_id=loner.pk, amount=D("100.00"), due_date=days(30))
    assert invoice.paid_amount == D("0.00")


def test_family_credit_apply_pays_invoices_a_billing_run_issued(family, children):
    pay(family, "300.00")
    issued = [bill(children[0], "200.00", due=10), bill(children[1], "200.00", due=10, number="2026-999999")]
    family_credit_apply(family_id=family.pk, invoice_ids=[i.pk for i in issued])
    assert sorted(fresh(i).paid_amount for i in issued) == [D("100.00"), D("200.00")]
    assert family_credit_apply(family_id=family.pk, invoice_ids=[i.pk for i in issued]) == []  # retry: no-op


def test_the_seed_payment_is_one_payment_one_allocation(family, children):
    invoice = bill(children[0], "500.00", due=5)
    payment = payment_record(invoice_id=invoice.pk, amount=D("200.00"), method=CASH)
    assert payment.invoice_id == invoice.pk and payment.family_id == family.pk
    assert list(payment.allocations.values_list("invoice_id", "amount")) == [(invoice.pk, D("200.00"))]
    assert payment.unallocated_amount == D("0.00")


# --- refusals: a refused write changes nothing --------------------------------------------------


def _nothing_written(*invoices):
    assert not Payment.objects.exists() and not Allocation.objects.exists()
    for invoice in invoices:
        assert fresh(invoice).paid_amount == D("0.00")


def test_another_familys_or_schools_invoice_is_not_found(family, children):
    mine = bill(children[0], "500.00", due=5)
    stranger = StudentFactory(school=family.school, family=FamilyFactory(school=family.school))
    elsewhere = bill(StudentFactory(), "500.00", due=5)
    for foreign in (bill(stranger, "100.00", due=5), elsewhere):
        with pytest.raises(NotFound):
            pay(family, "200.00", allocations=[AllocationRequest(invoice_id=mine.pk, amount=D("100.00")),
                                              AllocationRequest(invoice_id=foreign.pk, amount=D("100.00"))])
    _nothing_written(mine)


def test_allocations_above_the_payment_are_refused(family, children):
    invoice = bill(children[0], "500.00", due=5)
    with pytest.raises(AllocationsExceedPayment):
        pay(family, "100.00", allocations=[AllocationRequest(invoice_id=invoice.pk, amount=D("150.00"))])
    _nothing_written(invoice)


def test_an_allocation_above_the_invoices_balance_is_an_overpayment(family, children):
    invoice = bill(children[0], "500.00", due=5)
    with pytest.raises(Overpayment) as refused:
        pay(family, "600.00", allocations=[AllocationRequest(invoice_id=invoice.pk, amount=D("600.00"))])
    assert "allocations" in refused.value.fields
    _nothing_written(invoice)


def test_an_invoice_listed_twice_is_refused(family, children):
    invoice = bill(children[0], "500.00", due=5)
    twice = [AllocationRequest(invoice_id=invoice.pk, amount=D("10.00"))] * 2
    with pytest.raises(InvalidAllocations):
        pay(family, "100.00", allocations=twice)
    _nothing_written(invoice)


def test_cancelled_or_settled_invoices_are_a_conflict(family, children):
    cancelled = bill(children[0], "500.00", due=5, status=InvoiceStatus.CANCELLED)
    settled = bill(children[1], "500.00", due=5, paid_amount=D("500.00"), status=InvoiceStatus.PAID)
    with pytest.raises(InvoiceCancelled):
        pay(family, "100.00", allocations=[AllocationRequest(invoice_id=cancelled.pk, amount=D("10.00"))])
    with pytest.raises(InvoiceAlreadyPaid):
        pay(family, "100.00", allocations=[AllocationRequest(invoice_id=settled.pk, amount=D("10.00"))])
    assert not Payment.objects.exists()


def test_a_refund_comes_out_of_credit_oldest_payment_first(family, children):
    first = pay(family, "100.00", payment_date=days(-2))
    second = pay(family, "100.00")
    refund = family_refund_create(family_id=family.pk, amount=D("150.00"), method=PaymentMethod.BANK_TRANSFER)
    assert refund.number.startswith("RE-")
    assert Payment.objects.get(pk=first.pk).refunded_amount == D("100.00")
    assert Payment.objects.get(pk=second.pk).refunded_amount == D("50.00")
    assert family_credit_balance(family_id=family.pk) == D("50.00")
    assert refund.sources.aggregate(total=Sum("amount"))["total"] == D("150.00")


def test_a_refund_above_the_credit_is_refused_and_changes_nothing(family, children):
    pay(family, "100.00")
    with pytest.raises(RefundAboveCredit):
        family_refund_create(family_id=family.pk, amount=D("100.01"), method=CASH)
    assert not Refund.objects.exists()
    assert family_credit_balance(family_id=family.pk) == D("100.00")


# --- concurrency --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_family_payments_racing_invoice_payments_never_over_allocate():
    """10 family payments of 150 and 10 invoice payments of 100 race on two children's four
    invoices (2,000 owed in all): nothing is paid twice, every peso is either on an invoice or in
    the family's credit, and the books add up exactly."""
    family = FamilyFactory(school=SchoolFactory())
    kids = [StudentFactory(school=family.school, family=family) for _ in range(2)]
    invoices = [bill(kids[n % 2], "500.00", due=n - 2, number=f"2026-{n:06d}") for n in range(4)]

    def pay(n: int):
        if n % 2:
            return family_payment_record(family_id=family.pk, amount=D("150.00"), method=CASH)
        return payment_record(invoice_id=invoices[n % 4].pk, amount=D("100.00"), method=CASH)

    outcomes = run_together(20, pay, refusals=(Overpayment, InvoiceAlreadyPaid))

    received = Payment.objects.aggregate(total=Sum("amount"))["total"]
    paid = Invoice.objects.aggregate(total=Sum("paid_amount"))["total"]
    allocated = Allocation.objects.aggregate(total=Sum("amount"))["total"]
    assert all(i.paid_amount <= i.amount for i in Invoice.objects.all())
    assert paid == allocated  # every invoice's paid amount is the sum of its allocations
    for invoice in Invoice.objects.all():
        assert invoice.paid_amount == sum(a.amount for a in invoice.allocations.all())
    for payment in Payment.objects.all():
        assert payment.allocated_amount == sum(a.amount for a in payment.allocations.all())
    assert family_credit_balance(family_id=family.pk) == received - allocated  # credit is exact
    assert sum(isinstance(outcome, Payment) for outcome in outcomes) == Payment.objects.count()
    # All 10 family payments land (1,500); invoice payments take what was left when they ran.
    assert Payment.objects.filter(family_id=family.pk, invoice__isnull=True).count() == 10
