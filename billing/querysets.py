"""Invoice reads that apply the status rule with today's date, in SQL.

The stored `status` column is only as fresh as the last write or overdue sweep. Reads derive it
again from the columns (DESIGN.md, "Invoice status"), so an invoice past its due date reads
OVERDUE before the nightly sweep has run.
"""

from datetime import date

from django.db import models
from django.db.models import F, Func, Q, Value

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


class CurrentStatus(Func):
    """The status rule as one SQL CASE over the invoice's own columns, in the rule's order.

    Equivalent, row for row, to a Case() over `_status_conditions` (which filters still use), but
    written as a template: every invoice list, statement and report page annotates it, and the
    ORM's resolving of the 14 lookups of the Case() version cost ~2 ms of CPU per query
    (bench/README.md), more than the rest of the query's compilation.
    """

    output_field = models.CharField()

    def __init__(self, today: date):
        super().__init__(
            F("status"), F("paid_amount"), F("amount"), F("due_date"),
            Value(today, output_field=models.DateField()),
        )

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(expression) for expression in self.get_source_expressions()]
        (status, _), (paid, _), (amount, _), (due, _), (today, today_params) = compiled
        for _sql, params in compiled[:4]:
            if params:  # plain columns, whatever the alias; anything else would misplace params
                raise ValueError("CurrentStatus expects column references")
        s = InvoiceStatus
        sql = (
            f"CASE WHEN {status} = '{s.CANCELLED}' THEN '{s.CANCELLED}'"
            f" WHEN {paid} >= {amount} THEN '{s.PAID}'"
            f" WHEN {due} < {today} THEN '{s.OVERDUE}'"
            f" WHEN {paid} > 0 THEN '{s.PARTIAL}'"
            f" WHEN {paid} = 0 THEN '{s.PENDING}' END"
        )
        return sql, list(today_params)


def current_status_expression(today: date | None = None) -> CurrentStatus:
    """The status rule as a SQL CASE over the invoice's own columns."""
    return CurrentStatus(today or local_today())


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
