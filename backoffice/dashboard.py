"""Selectors behind the back-office dashboard: KPIs, monthly revenue, daily collections, aging, debtors.

Every figure is a SQL aggregate over Decimal columns (never a Python sum over rows), and the whole
dashboard costs a fixed number of queries whatever the data size: three KPI aggregates (invoices,
collections, what was settled by the month's start) and the daily series here, and from
reports.selectors (one definition of each, shared with the report endpoints and the AI agent) the
collections, the monthly revenue, the aging buckets and the top debtors; plus the cache-version
token. The result is cached per school version (schools.cache), so it is never stale after a payment
or an invoice write.

Definitions (the ones a school's billing office uses):
- invoiced in a month: amounts of the non-cancelled invoices *due* in that month (tuition is billed
  by its due month; `created_at` is when a row was typed in, which says nothing about billing);
- collected in a month or on a day: payments *dated* in it, less the payments *reversed* in it (a
  reversed payment counts on its own date and stops counting on the reversal's date, so a closed
  month's figure never changes): the report views' definition, read from `reports_daily_collections`;
- pending: unpaid part of every non-cancelled invoice (as the statements' `total_pending`);
- overdue: unpaid part of the invoices whose due date has passed (the derived status rule), and the
  same figure rebuilt at the start of the month: what was due before it, less what had been
  allocated to those invoices by then (payments dated before it and not reversed before it) and the
  credit notes issued before it;
- rates and changes in percent, two decimals (billing.rules.collection_rate, core.money);
- aging buckets by days past due: 0-30, 31-60, 61-90, 90+ (as the overdue report);
- expected billing of the month: every active enrollment priced by its plan's items due in the
  month, net of its discounts (fees.expected, the billing run's rules), three queries; issued: the
  lines of that period on the non-cancelled invoices the billing runs issued (plan items and their
  discounts, not recargos nor hand-typed invoices), one query. Enrollments and discounts do not
  bump the school's cache version: a change to them shows at the next money write or within
  CACHE_TTL.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, DecimalField, Func, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from billing import rules
from billing.models import Allocation, CreditNote, Invoice, InvoiceLine, LineSource
from billing.rules import collection_rate
from core.dates import local_today
from core.money import ZERO, change_percent, rate_percent
from fees.calendar import Period as BillingPeriod
from fees.expected import expected_billing
from reports.selectors import aging_bucket_list, daily_collection_list, revenue_by_month_list, top_debtor_list
from schools.cache import cached_for_schools

TOP_DEBTORS = 10
MONTHS = 12
DAYS = 30

_MONEY = DecimalField(max_digits=14, decimal_places=2)
_BALANCE = rules.balance_expression()


def _money_sum(expression, condition: Q | None = None, **filter_kwargs):
    if filter_kwargs:
        condition = Q(**filter_kwargs) if condition is None else condition & Q(**filter_kwargs)
    return Coalesce(Sum(expression, filter=condition, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_back(first_of_month: date, n: int) -> date:
    """The first day of the month n months before `first_of_month`."""
    index = first_of_month.year * 12 + first_of_month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    today: date
    this_month: date  # first day of the current month
    last_month: date
    next_month: date
    first_series_month: date
    first_series_day: date

    @classmethod
    def around(cls, today: date) -> "Period":
        this_month = month_start(today)
        return cls(
            today=today,
            this_month=this_month,
            last_month=months_back(this_month, 1),
            next_month=months_back(this_month, -1),
            first_series_month=months_back(this_month, MONTHS - 1),
            first_series_day=today - timedelta(days=DAYS - 1),
        )


def _scoped(queryset, school_ids: list[UUID] | None):
    return queryset if school_ids is None else queryset.filter(school_id__in=school_ids)


def _invoice_kpis(invoices, p: Period) -> dict:
    overdue_q = rules.overdue_q(p.today)
    return invoices.aggregate(
        invoiced_this=_money_sum("amount", due_date__gte=p.this_month, due_date__lt=p.next_month),
        invoiced_last=_money_sum("amount", due_date__gte=p.last_month, due_date__lt=p.this_month),
        invoices_this=Count("id", filter=Q(due_date__gte=p.this_month, due_date__lt=p.next_month)),
        pending=_money_sum(_BALANCE),
        pending_this=_money_sum(_BALANCE, due_date__gte=p.this_month, due_date__lt=p.next_month),
        pending_last=_money_sum(_BALANCE, due_date__gte=p.last_month, due_date__lt=p.this_month),
        overdue=_money_sum(_BALANCE, overdue_q),
        overdue_count=Count("id", filter=overdue_q),
        overdue_students=Count("student_id", filter=overdue_q, distinct=True),
        due_before_month=_money_sum("amount", due_date__lt=p.this_month),
    )


def _collection_kpis(collections, p: Period) -> dict:
    """Collected this and last month, net of reversals (reports_daily_collections)."""
    this_month = Q(collection_date__gte=p.this_month, collection_date__lt=p.next_month)
    return collections.aggregate(
        collected_this=_money_sum("total_amount", this_month),
        collected_last=_money_sum("total_amount", collection_date__gte=p.last_month,
                                  collection_date__lt=p.this_month),
        payments_this=Coalesce(Sum("payment_count", filter=this_month), Value(0)),
    )


def _settled_before_month(school_ids: list[UUID] | None, p: Period) -> Decimal:
    """What had been paid or credited, by the start of the month, on the invoices already due by
    then: the overdue debt at the start of the month is what was due minus this. Paid is the
    allocations (a family payment spreads over several invoices) of the payments dated before the
    month and not reversed before it; credited is the credit notes issued before it."""
    on_invoices_due_before = rules.countable_q("invoice__") & Q(invoice__due_date__lt=p.this_month)
    if school_ids is not None:
        on_invoices_due_before &= Q(invoice__school_id__in=school_ids)
    # Credit notes ride along as a scalar subquery (one statement for the dashboard's budget).
    credited = (
        CreditNote.objects.filter(on_invoices_due_before, issue_date__lt=p.this_month)
        .order_by()
        .annotate(total=Func("amount", function="SUM", output_field=_MONEY))
        .values("total")[:1]
    )
    return (
        Allocation.objects.filter(on_invoices_due_before, payment__payment_date__lt=p.this_month)
        .exclude(payment__reversal__reversal_date__lt=p.this_month)
        .aggregate(
            total=_money_sum("amount")
            + Coalesce(Subquery(credited, output_field=_MONEY), Value(ZERO), output_field=_MONEY)
        )["total"]
    )


def _billing_kpis(school_ids: list[UUID] | None, p: Period) -> dict:
    """This month's expected billing beside what the billing runs issued for it."""
    period = BillingPeriod.of(p.today)
    expected = expected_billing(school_ids=school_ids, period=period)
    lines = InvoiceLine.objects.filter(
        rules.countable_q("invoice__"), period=str(period),
        source__in=[LineSource.PLAN_ITEM, LineSource.DISCOUNT],
    )
    if school_ids is not None:
        lines = lines.filter(invoice__school_id__in=school_ids)
    issued = lines.aggregate(amount=_money_sum("amount"), invoices=Count("invoice_id", distinct=True))
    return {
        "period": str(period),
        "expected": expected.amount,
        "expected_invoices": expected.invoices,
        "issued": issued["amount"],
        "issued_invoices": issued["invoices"],
        "missing": expected.amount - issued["amount"],
        "rate": rate_percent(issued["amount"], expected.amount),
    }


def _compute(school_ids: list[UUID] | None, today: date) -> dict:
    p = Period.around(today)
    invoices = _scoped(Invoice.objects.countable(), school_ids)
    collections = daily_collection_list(school_ids=school_ids).order_by()

    inv = _invoice_kpis(invoices, p)
    pay = _collection_kpis(collections, p)
    overdue_at_month_start = max(inv["due_before_month"] - _settled_before_month(school_ids, p), ZERO)

    by_month = {
        row["month_start"]: row
        for row in revenue_by_month_list(
            school_ids=school_ids, date_from=p.first_series_month, date_to=p.next_month - timedelta(days=1)
        )
    }
    months = [months_back(p.this_month, n) for n in range(MONTHS - 1, -1, -1)]
    monthly = [
        {
            "month": month,
            "invoiced": by_month[month]["total_invoiced"] if month in by_month else ZERO,
            "collected": by_month[month]["total_collected"] if month in by_month else ZERO,
        }
        for month in months
    ]

    daily_rows = {
        row["collection_date"]: row
        for row in collections.filter(collection_date__gte=p.first_series_day, collection_date__lte=today)
        .values("collection_date")
        .annotate(total=Sum("total_amount"), count=Sum("payment_count"))
    }
    daily = []
    for offset in range(DAYS):
        day = p.first_series_day + timedelta(days=offset)
        row = daily_rows.get(day)
        daily.append(
            {"date": day, "total": row["total"] if row else ZERO, "count": row["count"] if row else 0}
        )

    top_debtors = [
        {
            "student_id": row.student_id,
            "name": row.student_name,
            "school": row.school_name,
            "pending": row.total_pending,
            "overdue": row.total_overdue,
            "oldest_due": row.oldest_unpaid_due_date,
            "days_overdue": (today - row.oldest_unpaid_due_date).days
            if row.total_overdue and row.oldest_unpaid_due_date else 0,
            "invoices": row.invoice_count,
        }
        for row in top_debtor_list(school_ids=school_ids, limit=TOP_DEBTORS, today=today)
    ]

    return {
        "today": today,
        "this_month": p.this_month,
        "last_month": p.last_month,
        "kpis": {
            "invoiced": {
                "this": inv["invoiced_this"],
                "last": inv["invoiced_last"],
                "change": change_percent(inv["invoiced_this"], inv["invoiced_last"]),
                "count": inv["invoices_this"],
            },
            "collected": {
                "this": pay["collected_this"],
                "last": pay["collected_last"],
                "change": change_percent(pay["collected_this"], pay["collected_last"]),
                "count": pay["payments_this"],
                "rate": collection_rate(pay["collected_this"], inv["invoiced_this"]),
            },
            "pending": {
                "total": inv["pending"],
                "this": inv["pending_this"],
                "last": inv["pending_last"],
            },
            "billing": _billing_kpis(school_ids, p),
            "overdue": {
                "total": inv["overdue"],
                "month_start": overdue_at_month_start,
                "change": change_percent(inv["overdue"], overdue_at_month_start),
                "count": inv["overdue_count"],
                "students": inv["overdue_students"],
                "share": rate_percent(inv["overdue"], inv["pending"]),
            },
        },
        "monthly": monthly,
        "daily": daily,
        "aging": [
            {"bucket": row["bucket"], "amount": row["total_pending"], "count": row["invoice_count"]}
            for row in aging_bucket_list(school_ids=school_ids, today=today)
        ],
        "top_debtors": top_debtors,
    }


def dashboard_get(*, school_ids: list[UUID] | None, today: date | None = None) -> dict:
    """The dashboard of these schools (None: every school), cached under their versions."""
    today = today or local_today()
    ids = None if school_ids is None else sorted(school_ids)
    return cached_for_schools(
        namespace="backoffice-dashboard",
        school_ids=ids,
        params={"schools": ids, "today": today},
        compute=lambda: _compute(ids, today),
    )
