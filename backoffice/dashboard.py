"""Selectors behind the back-office dashboard: KPIs, monthly revenue, daily collections, aging, debtors.

Every figure is a SQL aggregate over Decimal columns (never a Python sum over rows), and the whole
dashboard costs a fixed number of queries whatever the data size: two KPI aggregates and the daily
series here, and from reports.selectors (one definition of each, shared with the report endpoints
and the AI agent) the monthly revenue, the aging buckets and the top debtors; plus the cache-version
token. The result is cached per school version (schools.cache), so it is never stale after a payment
or an invoice write.

Definitions (the ones a school's billing office uses):
- invoiced in a month: amounts of the non-cancelled invoices *due* in that month (tuition is billed
  by its due month; `created_at` is when a row was typed in, which says nothing about billing);
- collected in a month: payments *dated* in that month;
- pending: unpaid part of every non-cancelled invoice (as the statements' `total_pending`);
- overdue: unpaid part of the invoices whose due date has passed (the derived status rule), and the
  same figure rebuilt at the start of the month from the payments dated before it;
- rates and changes in percent, two decimals (billing.rules.collection_rate, core.money);
- aging buckets by days past due: 0-30, 31-60, 61-90, 90+ (as the overdue report).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from billing import rules
from billing.models import Invoice, Payment
from billing.rules import collection_rate
from core.dates import local_today
from core.money import ZERO, change_percent, rate_percent
from reports.selectors import aging_bucket_list, revenue_by_month_list, top_debtor_list
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


def _payment_kpis(payments, p: Period) -> dict:
    return payments.aggregate(
        collected_this=_money_sum("amount", payment_date__gte=p.this_month, payment_date__lt=p.next_month),
        collected_last=_money_sum("amount", payment_date__gte=p.last_month, payment_date__lt=p.this_month),
        payments_this=Count("id", filter=Q(payment_date__gte=p.this_month, payment_date__lt=p.next_month)),
        # What had been paid, by the start of the month, on invoices already due by then: the
        # overdue debt at the start of the month is what was due minus this.
        paid_before_month=_money_sum(
            "amount", payment_date__lt=p.this_month, invoice__due_date__lt=p.this_month
        ),
    )


def _compute(school_ids: list[UUID] | None, today: date) -> dict:
    p = Period.around(today)
    invoices = _scoped(Invoice.objects.countable(), school_ids)
    payments = _scoped(Payment.objects.all(), school_ids)

    inv = _invoice_kpis(invoices, p)
    pay = _payment_kpis(payments, p)
    overdue_at_month_start = max(inv["due_before_month"] - pay["paid_before_month"], ZERO)

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
        row["payment_date"]: row
        for row in payments.filter(payment_date__gte=p.first_series_day, payment_date__lte=today)
        .values("payment_date")
        .annotate(total=Sum("amount"), count=Count("id"))
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
