"""Reads of invoices and payments for one use case, scoped to the caller's schools.

Every invoice read carries `current_status`: the status rule applied in SQL with today's date,
so an invoice past its due date reads OVERDUE before the nightly sweep has run.
"""

from datetime import date
from uuid import UUID

from django.db.models import QuerySet

from billing.models import Invoice, Payment
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


def payment_list(*, user: User) -> QuerySet[Payment]:
    """Payments of the caller's schools, with their invoice and student joined."""
    return scope_to_user(Payment.objects.select_related("invoice__student"), user)


def payment_get(*, user: User, payment_id: UUID | str) -> Payment:
    """One payment of the caller's schools; 404 (NotFound) otherwise."""
    return get_visible_or_404(Payment.objects.select_related("invoice__student"), user, payment_id)
