"""Invoice reads that apply the status rule with today's date, in SQL.

The stored `status` column is only as fresh as the last write or overdue sweep. Reads derive it
again from the columns (DESIGN.md, "Invoice status"), so an invoice past its due date reads
OVERDUE before the nightly sweep has run.
"""

from datetime import date

from django.db import models
from django.db.models import Case, F, Q, Value, When

from core.dates import local_today


class InvoiceStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    PARTIAL = "PARTIAL", "Partial"
    PAID = "PAID", "Paid"
    OVERDUE = "OVERDUE", "Overdue"
    CANCELLED = "CANCELLED", "Cancelled"


def _status_conditions(today: date) -> dict[str, Q]:
    not_cancelled = ~Q(status=InvoiceStatus.CANCELLED)
    unpaid = Q(paid_amount__lt=F("amount"))
    not_due = Q(due_date__gte=today)
    return {
        InvoiceStatus.CANCELLED: Q(status=InvoiceStatus.CANCELLED),
        InvoiceStatus.PAID: not_cancelled & Q(paid_amount__gte=F("amount")),
        InvoiceStatus.OVERDUE: not_cancelled & unpaid & Q(due_date__lt=today),
        InvoiceStatus.PARTIAL: not_cancelled & unpaid & not_due & Q(paid_amount__gt=0),
        InvoiceStatus.PENDING: not_cancelled & unpaid & not_due & Q(paid_amount=0),
    }


def current_status_expression(today: date | None = None) -> Case:
    """The status rule as a SQL CASE over the invoice's own columns."""
    conditions = _status_conditions(today or local_today())
    return Case(
        *[When(condition, then=Value(status.value)) for status, condition in conditions.items()],
        output_field=models.CharField(),
    )


class InvoiceQuerySet(models.QuerySet):
    def with_current_status(self, today: date | None = None):
        return self.annotate(current_status=current_status_expression(today))

    def with_status(self, status: str, today: date | None = None):
        """Invoices whose status, derived today, is `status`; uses plain column predicates."""
        return self.filter(_status_conditions(today or local_today())[status])

    def open(self):
        """Not cancelled and not fully paid: the invoices that still count as debt."""
        return self.exclude(status=InvoiceStatus.CANCELLED).filter(paid_amount__lt=F("amount"))

    def overdue(self, today: date | None = None):
        return self.with_status(InvoiceStatus.OVERDUE, today)

    def countable(self):
        """Every invoice that counts in a total: cancelled ones count in none."""
        return self.exclude(status=InvoiceStatus.CANCELLED)


class PaymentQuerySet(models.QuerySet):
    """Payments are immutable: bulk updates and deletes are refused here as well as in SQL."""

    def update(self, **kwargs):
        from billing.exceptions import PaymentImmutable

        raise PaymentImmutable()

    def delete(self):
        from billing.exceptions import PaymentImmutable

        raise PaymentImmutable()

    update.queryset_only = True
    delete.queryset_only = True
