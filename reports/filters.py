"""Query-parameter filters of the report endpoints (django-filter).

A value the filter does not understand is a 400 with the field named, never silently ignored:
`school_id=abc`, `date_from=2024-13-01`, `has_overdue=maybe`, `ordering=nope`, or a range whose
start is after its end.
"""

from datetime import date

import django_filters
from django import forms
from django.utils.translation import gettext_lazy

from billing import rules
from billing.models import InvoiceStatus, PaymentMethod
from core.dates import local_today
from core.filters import BoundedSearchCharFilter, StrictBooleanFilter
from reports import selectors
from reports.models import (
    DailyCollection,
    InvoiceDetail,
    MonthlyRevenue,
    OverdueInvoice,
    PaymentHistory,
    SchoolSummary,
    StudentBalance,
)


class ReportOrderingFilter(django_filters.OrderingFilter):
    """`?ordering=a,-b` over a fixed list; the primary key breaks ties so pages are stable.

    `inverted` names parameters whose natural order runs against their column (days overdue
    grows as due_date shrinks), so ordering by them can use the column's index.
    """

    def __init__(self, *args, inverted=(), **kwargs):
        self.inverted = set(inverted)
        super().__init__(*args, **kwargs)

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        name = param.removeprefix("-")
        if name in self.inverted:
            descending = not descending
        field = self.param_map.get(name, name)
        return f"-{field}" if descending else field

    def filter(self, qs, value):
        if not value:
            return qs  # the selector's default order
        return qs.order_by(*[self.get_ordering_value(param) for param in value], "pk")


class ReportFilterSet(django_filters.FilterSet):
    school_id = django_filters.UUIDFilter(field_name="school_id", help_text="Only this school's rows.")

    # (start, end) parameter pairs: the end may not come before the start.
    ranges: tuple[tuple[str, str], ...] = ()

    @property
    def today(self) -> date:
        """The request's "today" (settings.TIME_ZONE), the same the selector was given."""
        return getattr(self.request, "report_today", None) or local_today()

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        data = self.form.cleaned_data
        for start, end in self.ranges:
            if data.get(start) and data.get(end) and data[start] > data[end]:
                self.form.add_error(
                    end,
                    forms.ValidationError(gettext_lazy("Must not be before %(start)s.") % {"start": start}),
                )
        return not self.form.errors


def _date_filter(field_name: str, lookup: str, help_text: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(field_name=field_name, lookup_expr=lookup, help_text=help_text)


class StudentBalanceFilter(ReportFilterSet):
    min_pending = django_filters.NumberFilter(
        field_name="total_pending", lookup_expr="gte", min_value=0,
        help_text="Only students whose pending balance is at least this amount.",
    )
    has_overdue = StrictBooleanFilter(
        method="filter_has_overdue", help_text="true: only students with something overdue today."
    )
    grade = django_filters.CharFilter(field_name="grade")
    is_active = StrictBooleanFilter(field_name="is_active")
    search = BoundedSearchCharFilter(
        field_name="student_name", lookup_expr="icontains", help_text="Part of the student's name."
    )
    ordering = ReportOrderingFilter(
        fields=[
            "student_name", "school_name", "grade", "total_invoiced", "total_paid", "total_pending",
            "total_overdue", "oldest_unpaid_due_date", "invoice_count",
        ],
        help_text="Default: -total_pending,student_name.",
    )

    class Meta:
        model = StudentBalance
        fields: list[str] = []

    def filter_has_overdue(self, queryset, name, value):
        return queryset.filter(has_overdue=value)


class SchoolSummaryFilter(ReportFilterSet):
    is_active = StrictBooleanFilter(field_name="is_active")
    ordering = ReportOrderingFilter(
        fields=[
            "school_name", "students_total", "students_active", "total_invoiced", "total_collected",
            "total_pending", "total_overdue", "collection_rate",
        ],
        help_text="Default: school_name.",
    )

    class Meta:
        model = SchoolSummary
        fields: list[str] = []


class InvoiceDetailFilter(ReportFilterSet):
    student_id = django_filters.UUIDFilter(field_name="student_id")
    status = django_filters.ChoiceFilter(
        method="filter_status", choices=InvoiceStatus.choices,
        help_text="Status as of today (derived, not the stored column).",
    )
    due_date_from = _date_filter("due_date", "gte", "Due on or after this date.")
    due_date_to = _date_filter("due_date", "lte", "Due on or before this date.")
    date_from = _date_filter("due_date", "gte", "Same as due_date_from.")
    date_to = _date_filter("due_date", "lte", "Same as due_date_to.")
    search = BoundedSearchCharFilter(method="filter_search", help_text="Invoice number or student name.")
    ordering = ReportOrderingFilter(
        fields={
            "due_date": "due_date", "number": "number", "amount": "amount",
            "pending_amount": "pending_amount", "days_overdue": "days_overdue",
            # The status derived today (the selector's annotation), not the stored column.
            "current_status": "current_status", "student_name": "student_name", "school_name": "school_name",
        },
        help_text="Default: -due_date,number.",
    )
    ranges = (("due_date_from", "due_date_to"), ("date_from", "date_to"))

    class Meta:
        model = InvoiceDetail
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        # billing's rule as plain column predicates (not the CASE): indexes on due_date serve it.
        return queryset.with_status(value, self.today)

    def filter_search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(number__icontains=value) | Q(student_name__icontains=value))


class OverdueInvoiceFilter(ReportFilterSet):
    student_id = django_filters.UUIDFilter(field_name="student_id")
    aging_bucket = django_filters.ChoiceFilter(
        method="filter_aging_bucket", choices=[(b, b) for b in selectors.AGING_BUCKETS],
        help_text="Days overdue: 0-30, 31-60, 61-90 or 90+.",
    )
    min_pending = django_filters.NumberFilter(field_name="pending_amount", lookup_expr="gte", min_value=0)
    due_date_from = _date_filter("due_date", "gte", "Due on or after this date.")
    due_date_to = _date_filter("due_date", "lte", "Due on or before this date.")
    date_from = _date_filter("due_date", "gte", "Same as due_date_from.")
    date_to = _date_filter("due_date", "lte", "Same as due_date_to.")
    ordering = ReportOrderingFilter(
        fields={
            "due_date": "days_overdue", "pending_amount": "pending_amount", "amount": "amount",
            "student_name": "student_name", "school_name": "school_name",
        },
        inverted=["days_overdue"],
        help_text="Default: -days_overdue (most overdue first).",
    )
    ranges = (("due_date_from", "due_date_to"), ("date_from", "date_to"))

    class Meta:
        model = OverdueInvoice
        fields: list[str] = []

    def filter_aging_bucket(self, queryset, name, value):
        # A due-date range rather than a filter on the computed bucket: the index serves it.
        return queryset.filter(rules.aging_bucket_q(value, self.today))


class PaymentHistoryFilter(ReportFilterSet):
    student_id = django_filters.UUIDFilter(field_name="student_id")
    invoice_id = django_filters.UUIDFilter(field_name="invoice_id")
    method = django_filters.ChoiceFilter(field_name="method", choices=PaymentMethod.choices)
    date_from = _date_filter("payment_date", "gte", "Paid on or after this date.")
    date_to = _date_filter("payment_date", "lte", "Paid on or before this date.")
    ordering = ReportOrderingFilter(
        fields=["payment_date", "amount", "number", "method", "student_name", "school_name"],
        help_text="Default: -payment_date (newest first).",
    )
    ranges = (("date_from", "date_to"),)

    class Meta:
        model = PaymentHistory
        fields: list[str] = []


class DailyCollectionFilter(ReportFilterSet):
    date_from = _date_filter("collection_date", "gte", "From this day on.")
    date_to = _date_filter("collection_date", "lte", "Up to this day.")
    ordering = ReportOrderingFilter(
        fields={"collection_date": "date", "payment_count": "payment_count",
                "total_amount": "total_amount", "school_name": "school_name"},
        help_text="Default: -date,school_name.",
    )
    ranges = (("date_from", "date_to"),)

    class Meta:
        model = DailyCollection
        fields: list[str] = []


class MonthlyRevenueFilter(ReportFilterSet):
    date_from = django_filters.DateFilter(
        method="filter_date_from", help_text="Months from the one containing this date on."
    )
    date_to = _date_filter("month_start", "lte", "Months up to the one containing this date.")
    ordering = ReportOrderingFilter(
        fields={"month_start": "month", "total_invoiced": "total_invoiced",
                "total_collected": "total_collected", "invoice_count": "invoice_count",
                "payment_count": "payment_count", "school_name": "school_name"},
        help_text="Default: -month,school_name.",
    )
    ranges = (("date_from", "date_to"),)

    class Meta:
        model = MonthlyRevenue
        fields: list[str] = []

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(month_start__gte=value.replace(day=1))
