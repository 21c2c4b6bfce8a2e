"""Report reads, scoped by `school_ids` (None: every school, for platform admins).

Every figure that depends on "today" is computed here, in the same SQL statement, with `today`
(default: core.dates.local_today(), i.e. settings.TIME_ZONE) bound as a parameter:

- a view cannot take parameters, and the database's own CURRENT_DATE is the server session's
  date (UTC here), which differs from the school's date for hours every day;
- baking the zone into the view at migration time would silently go wrong when TIME_ZONE
  changes, and a per-connection session variable would leak between requests on pooled
  connections (and has no SQLite equivalent).

So the views keep only calendar-independent facts (amounts, due dates, the stored status) and
these selectors add overdue amounts, days overdue, aging buckets and the derived status. The
API, the admin dashboard and the AI agent all read through here.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.db import NotSupportedError
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from billing import rules
from billing.models import Invoice
from billing.rules import collection_rate
from core.dates import local_today
from core.money import to_cents
from reports.models import (
    DailyCollection,
    InvoiceDetail,
    MonthlyRevenue,
    OverdueInvoice,
    PaymentHistory,
    SchoolSummary,
    StudentBalance,
)

SchoolIds = Iterable[UUID] | None

AGING_BUCKETS = rules.AGING_BUCKET_NAMES

_TOTAL = DecimalField(max_digits=16, decimal_places=2)
_ZERO = Value(Decimal("0.00"), output_field=_TOTAL)


class DaysBetween(Func):
    """Whole days from `start` to `end` (two dates): end - start, as an integer."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, start, end):
        super().__init__(end, start)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"DaysBetween has no SQL for {connection.vendor!r}")

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)", arg_joiner=") - julianday(",
        )


def _date(value: date) -> Value:
    return Value(value, output_field=DateField())


def _scoped(queryset: QuerySet, school_ids: SchoolIds) -> QuerySet:
    if school_ids is None:
        return queryset
    return queryset.filter(school_id__in=list(school_ids))


def _overdue_sum(today: date, **outer) -> Subquery:
    """Correlated sum of what is overdue today on the invoices matching `outer` (OuterRefs)."""
    overdue = (
        Invoice.objects.overdue(today)
        .filter(**outer)
        .order_by()
        .values(*outer)
        .annotate(total=Sum(rules.balance_expression(), output_field=_TOTAL))
        .values("total")
    )
    return Coalesce(Subquery(overdue, output_field=_TOTAL), _ZERO)


def _days_overdue_expression(today: date) -> Case:
    """Days past due for an OVERDUE invoice (billing.rules); 0 otherwise."""
    return Case(
        When(rules.overdue_q(today), then=DaysBetween("due_date", _date(today))),
        default=Value(0),
        output_field=IntegerField(),
    )


# --- The seven reports ------------------------------------------------------------------------


def student_balance_list(*, school_ids: SchoolIds, today: date | None = None) -> QuerySet:
    """Per student: invoiced, paid, pending, overdue today and the oldest unpaid due date."""
    today = today or local_today()
    return (
        _scoped(StudentBalance.objects.all(), school_ids)
        .annotate(
            total_overdue=_overdue_sum(today, student_id=OuterRef("student_id")),
            has_overdue=Case(
                When(oldest_unpaid_due_date__lt=today, then=Value(True)),
                default=Value(False),
            ),
        )
        .order_by("-total_pending", "student_name", "student_id")
    )


def school_summary_list(*, school_ids: SchoolIds, today: date | None = None) -> QuerySet:
    """Per school: students, invoiced, collected, pending, overdue today, collection rate."""
    today = today or local_today()
    return (
        _scoped(SchoolSummary.objects.all(), school_ids)
        .annotate(total_overdue=_overdue_sum(today, school_id=OuterRef("school_id")))
        .order_by("school_name", "school_id")
    )


def invoice_detail_list(*, school_ids: SchoolIds, today: date | None = None) -> QuerySet:
    """Every invoice, cancelled ones included, with its status and days overdue as of today."""
    today = today or local_today()
    return (
        _scoped(InvoiceDetail.objects.all(), school_ids)
        .with_current_status(today)
        .annotate(days_overdue=_days_overdue_expression(today))
        .order_by("-due_date", "number", "id")
    )


def overdue_invoice_list(*, school_ids: SchoolIds, today: date | None = None) -> QuerySet:
    """Unpaid invoices past due today, with days overdue and aging bucket.

    Most overdue first, then the largest debt among those due the same day.

    Computed from due_date, so it is right before the nightly sweep has stored OVERDUE.
    """
    today = today or local_today()
    return (
        _scoped(OverdueInvoice.objects.all(), school_ids)
        .filter(due_date__lt=today)
        .annotate(
            days_overdue=DaysBetween("due_date", _date(today)),
            aging_bucket=rules.aging_bucket_expression(today),
        )
        .order_by("due_date", "-pending_amount", "id")
    )


def payment_history_list(*, school_ids: SchoolIds) -> QuerySet:
    """Every payment with its invoice, student and school, newest first."""
    return _scoped(PaymentHistory.objects.all(), school_ids).order_by("-payment_date", "-created_at", "id")


def daily_collection_list(*, school_ids: SchoolIds) -> QuerySet:
    """Per school and day: number and sum of payments received, newest day first."""
    return _scoped(DailyCollection.objects.all(), school_ids).order_by(
        "-collection_date", "school_name", "id"
    )


def monthly_revenue_list(*, school_ids: SchoolIds) -> QuerySet:
    """Per school and month: invoiced (by due date), collected (by payment date) and counts."""
    return _scoped(MonthlyRevenue.objects.all(), school_ids).order_by("-month_start", "school_name", "id")


# --- Summaries for the dashboard and the AI agent ---------------------------------------------


def school_kpis_get(*, school_ids: SchoolIds, today: date | None = None) -> dict:
    """The headline figures of a set of schools, summed: two queries.

    Keys: schools, students_total, students_active, invoice_count, total_invoiced,
    total_collected, total_pending, total_overdue, overdue_invoice_count, collection_rate
    (percent with two decimals, None when nothing was invoiced).
    """
    today = today or local_today()
    totals = _scoped(SchoolSummary.objects.all(), school_ids).aggregate(
        schools=Count("school_id"),
        students_total=Sum("students_total"),
        students_active=Sum("students_active"),
        invoice_count=Sum("invoice_count"),
        total_invoiced=Sum("total_invoiced"),
        total_collected=Sum("total_collected"),
        total_pending=Sum("total_pending"),
    )
    overdue = _scoped(Invoice.objects.overdue(today), school_ids).aggregate(
        count=Count("id"), amount=Sum(rules.balance_expression(), output_field=_TOTAL)
    )
    invoiced = _money(totals["total_invoiced"])
    collected = _money(totals["total_collected"])
    return {
        "schools": totals["schools"],
        "students_total": totals["students_total"] or 0,
        "students_active": totals["students_active"] or 0,
        "invoice_count": totals["invoice_count"] or 0,
        "total_invoiced": invoiced,
        "total_collected": collected,
        "total_pending": _money(totals["total_pending"]),
        "total_overdue": _money(overdue["amount"]),
        "overdue_invoice_count": overdue["count"],
        "collection_rate": collection_rate(collected, invoiced),
    }


def aging_bucket_list(*, school_ids: SchoolIds, today: date | None = None) -> list[dict]:
    """Overdue debt by aging bucket, every bucket present (zeros included), youngest first.

    Each item: bucket, invoice_count, total_pending. One query.
    """
    rows = (
        overdue_invoice_list(school_ids=school_ids, today=today)
        .order_by()
        .values("aging_bucket")
        .annotate(invoice_count=Count("id"), total_pending=Sum("pending_amount"))
    )
    by_bucket = {row["aging_bucket"]: row for row in rows}
    return [
        {
            "bucket": bucket,
            "invoice_count": by_bucket.get(bucket, {}).get("invoice_count", 0),
            "total_pending": _money(by_bucket.get(bucket, {}).get("total_pending")),
        }
        for bucket in AGING_BUCKETS
    ]


def top_debtor_list(
    *, school_ids: SchoolIds, limit: int = 10, today: date | None = None
) -> QuerySet:
    """The students who owe the most (pending > 0), largest debt first; StudentBalance rows."""
    return student_balance_list(school_ids=school_ids, today=today).filter(total_pending__gt=0)[:limit]


def revenue_by_month_list(
    *, school_ids: SchoolIds, date_from: date | None = None, date_to: date | None = None
) -> list[dict]:
    """Per month, summed over the schools: invoiced, collected and counts, oldest month first.

    The months overlapping [date_from, date_to]. Each item: month ("YYYY-MM"), month_start,
    invoice_count, total_invoiced, payment_count, total_collected.
    """
    queryset = _scoped(MonthlyRevenue.objects.all(), school_ids)
    if date_from:
        queryset = queryset.filter(month_start__gte=date_from.replace(day=1))
    if date_to:
        queryset = queryset.filter(month_start__lte=date_to)
    rows = (
        queryset.order_by()
        .values("month_start", "month")
        .annotate(
            invoice_count_sum=Sum("invoice_count"),
            total_invoiced_sum=Sum("total_invoiced"),
            payment_count_sum=Sum("payment_count"),
            total_collected_sum=Sum("total_collected"),
        )
        .order_by("month_start")
    )
    return [
        {
            "month": row["month"],
            "month_start": row["month_start"],
            "invoice_count": row["invoice_count_sum"],
            "total_invoiced": _money(row["total_invoiced_sum"]),
            "payment_count": row["payment_count_sum"],
            "total_collected": _money(row["total_collected_sum"]),
        }
        for row in rows
    ]


def _money(value) -> Decimal:
    return to_cents(value)
