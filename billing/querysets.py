"""Invoice reads that apply the status rule with today's date, in SQL.

The stored `status` column is only as fresh as the last write or overdue sweep. Reads derive it
again from the columns with billing.rules (the one definition of balance and status), so an
invoice past its due date reads OVERDUE before the nightly sweep has run.
"""

from datetime import date

from django.db import models

from billing import rules
from billing.rules import CurrentStatus, InvoiceStatus, current_status_expression
from core.dates import local_today

__all__ = [
    "CurrentStatus", "InvoiceQuerySet", "InvoiceStatus", "PaymentQuerySet", "current_status_expression",
]


class InvoiceQuerySet(models.QuerySet):
    def with_current_status(self, today: date | None = None):
        return self.annotate(current_status=current_status_expression(today))

    def with_status(self, status: str, today: date | None = None):
        """Invoices whose status, derived today, is `status`; uses plain column predicates."""
        return self.filter(rules.status_q(status, today or local_today()))

    def open(self):
        """Not cancelled and not fully paid: the invoices that still count as debt."""
        return self.filter(rules.open_q())

    def overdue(self, today: date | None = None):
        return self.filter(rules.overdue_q(today or local_today()))

    def countable(self):
        """Every invoice that counts in a total: cancelled ones count in none."""
        return self.filter(rules.countable_q())


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

    # The only columns of a payment that change after its insert (the trigger of billing 0007
    # refuses any other), written by billing's services under the family's or invoice's lock.
    RUNNING_FIGURES = frozenset({"allocated_amount", "refunded_amount", "is_reversed"})

    def running_figures_update(self, **figures) -> int:
        if not figures or set(figures) - self.RUNNING_FIGURES:
            raise ValueError(f"only {sorted(self.RUNNING_FIGURES)} of a payment change")
        return models.QuerySet.update(self, **figures)

    running_figures_update.queryset_only = True
