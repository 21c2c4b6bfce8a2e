"""Reads of invoices and payments for one use case, scoped to the caller's schools.

Every invoice read carries `current_status`: the status rule applied in SQL with today's date,
so an invoice past its due date reads OVERDUE before the nightly sweep has run.
"""

from datetime import date
from uuid import UUID

from django.db.models import DecimalField, F, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from billing import rules
from billing.models import Allocation, CreditNote, Invoice, InvoiceLine, Payment, Refund, RefundSource
from core.money import ZERO
from users.access import get_visible_or_404, scope_to_user
from users.models import User


def invoice_lines_prefetch() -> Prefetch:
    """An invoice's lines (concept joined), in order, as `line_list`: one query for a page of invoices."""
    return Prefetch(
        "lines", queryset=InvoiceLine.objects.select_related("concept").order_by("position"),
        to_attr="line_list",
    )


def invoice_list(*, user: User, today: date | None = None) -> QuerySet[Invoice]:
    """Invoices of the caller's schools, student joined, with `current_status` annotated. (Lines:
    `.prefetch_related(invoice_lines_prefetch())` where whole invoices are answered.)"""
    return scope_to_user(
        Invoice.objects.select_related("student").with_current_status(today), user
    )


def invoice_get(*, user: User, invoice_id: UUID | str) -> Invoice:
    """One invoice of the caller's schools; 404 (NotFound) for an unknown, malformed or foreign id.
    (Its lines are read when it is answered: billing.api.serializers.InvoiceOutput.)"""
    return get_visible_or_404(
        Invoice.objects.select_related("student").with_current_status(), user, invoice_id
    )


def _payments():
    """Payments with their invoice, student and reversal joined and their allocations prefetched
    (`allocation_list`, invoice joined): one query for the page, one for its allocations."""
    return Payment.objects.select_related("invoice__student", "reversal").prefetch_related(
        Prefetch(
            "allocations",
            queryset=Allocation.objects.select_related("invoice").order_by("created_at", "invoice__number"),
            to_attr="allocation_list",
        )
    )


def payment_list(*, user: User) -> QuerySet[Payment]:
    """Payments of the caller's schools, with their invoice, student, reversal and allocations."""
    return scope_to_user(_payments(), user)


def payment_get(*, user: User, payment_id: UUID | str) -> Payment:
    """One payment of the caller's schools; 404 (NotFound) otherwise."""
    return get_visible_or_404(_payments(), user, payment_id)


def allocation_list(*, payment: Payment) -> QuerySet[Allocation]:
    """A payment's allocations, oldest first, invoice joined."""
    return payment.allocations.select_related("invoice").order_by("created_at", "invoice__number")


def credit_note_list(*, user: User) -> QuerySet[CreditNote]:
    """Credit notes of the caller's schools, invoice joined."""
    return scope_to_user(CreditNote.objects.select_related("invoice"), user)


def credit_note_get(*, user: User, credit_note_id: UUID | str) -> CreditNote:
    return get_visible_or_404(CreditNote.objects.select_related("invoice"), user, credit_note_id)


def refund_list(*, user: User) -> QuerySet[Refund]:
    """Refunds of the caller's schools."""
    return scope_to_user(Refund.objects.all(), user)


_CREDIT = DecimalField(max_digits=14, decimal_places=2)


def family_credit_expression(family_ref: str = "pk") -> Coalesce:
    """A family's credit balance as a correlated subquery: the unallocated part of its payments
    that are not reversed (billing.credit). For annotating family lists in one query."""
    credit = (
        Payment.objects.filter(family_id=OuterRef(family_ref), is_reversed=False)
        .order_by()
        .values("family_id")
        .annotate(total=Sum(F("amount") - F("allocated_amount") - F("refunded_amount"), output_field=_CREDIT))
        .values("total")
    )
    return Coalesce(Subquery(credit, output_field=_CREDIT), Value(0), output_field=_CREDIT)


def family_open_invoice_list(*, family_id: UUID) -> QuerySet[Invoice]:
    """The open invoices of a family's students (where a family payment can go), in the order a
    payment without explicit allocations spends them: oldest due date first, then by number.
    Student joined; `current_status` and `balance_value` annotated."""
    return (
        Invoice.objects.open()
        .filter(student__family_id=family_id)
        .select_related("student")
        .with_current_status()
        .annotate(balance_value=rules.balance_expression())
        .order_by("due_date", "number")
    )


def family_credit_get(*, family_id: UUID) -> dict:
    """Where a family's credit (saldo a favor) came from and where it went, for the credit page.

    - `credit_balance`: the credit now, as billing.credit defines it: the unallocated part of the
      payments that are not reversed (`unallocated`), less what was refunded out of it (`refunded`);
    - `payments`: the family's payments with something left unallocated, oldest first (the order
      credit is spent and refunded), each with its allocated, refunded and remaining parts
      (`unallocated_amount`) and its reversal if any (a reversed payment's leftover left the credit);
    - `refunds`: money paid back out of the credit, each with the payments it was drawn from;
    - `credit_notes`: credit notes on the children's invoices. They lower what is owed on one
      invoice (never below zero), so they add nothing to the credit; they are listed because a
      family asking why it owes less reads them next to it.
    Five queries, whatever the family's size.
    """
    totals = Payment.objects.filter(family_id=family_id, is_reversed=False).aggregate(
        unallocated=Coalesce(Sum(F("amount") - F("allocated_amount"), output_field=_CREDIT), Value(ZERO),
                             output_field=_CREDIT),
        refunded=Coalesce(Sum("refunded_amount", output_field=_CREDIT), Value(ZERO), output_field=_CREDIT),
    )
    payments = list(
        Payment.objects.filter(family_id=family_id, allocated_amount__lt=F("amount"))
        .select_related("reversal")
        .order_by("payment_date", "created_at", "number")
    )
    refunds = list(
        Refund.objects.filter(family_id=family_id)
        .prefetch_related(
            Prefetch(
                "sources",
                queryset=RefundSource.objects.select_related("payment").order_by("payment__number"),
                to_attr="source_list",
            )
        )
        .order_by("refund_date", "created_at", "number")
    )
    notes = list(
        CreditNote.objects.filter(invoice__student__family_id=family_id)
        .select_related("invoice__student")
        .order_by("issue_date", "created_at", "number")
    )
    return {
        "credit_balance": totals["unallocated"] - totals["refunded"],
        "unallocated": totals["unallocated"],
        "refunded": totals["refunded"],
        "payments": payments,
        "refunds": refunds,
        "credit_notes": notes,
    }
