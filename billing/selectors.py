"""Reads of invoices and payments for one use case, scoped to the caller's schools.

Every invoice read carries `current_status`: the status rule applied in SQL with today's date,
so an invoice past its due date reads OVERDUE before the nightly sweep has run.
"""

from datetime import date
from uuid import UUID

from django.db.models import DecimalField, F, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from billing.models import Allocation, CreditNote, Invoice, Payment, Refund
from users.access import get_visible_or_404, scope_to_user
from users.models import User


def invoice_list(*, user: User, today: date | None = None) -> QuerySet[Invoice]:
    """Invoices of the caller's schools, student joined, with `current_status` annotated."""
    return scope_to_user(
        Invoice.objects.select_related("student").with_current_status(today), user
    )


def invoice_get(*, user: User, invoice_id: UUID | str) -> Invoice:
    """One invoice of the caller's schools; 404 (NotFound) for an unknown, malformed or foreign id."""
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
