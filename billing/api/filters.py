"""Query-string filters of the invoice and payment lists. A value they cannot read is a 400."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy

from billing.models import CreditNote, Invoice, InvoiceStatus, Payment, PaymentMethod, Refund
from core.filters import StrictBooleanFilter

_BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


class _RangeForm(forms.Form):
    """Refuses a date range whose start is after its end, naming the field at fault."""

    ranges: tuple[tuple[str, str], ...] = ()

    def clean(self):
        cleaned = super().clean()
        for start, end in self.ranges:
            if cleaned.get(start) and cleaned.get(end) and cleaned[start] > cleaned[end]:
                self.add_error(end, gettext_lazy("Must be on or after %(start)s.") % {"start": start})
        return cleaned


class InvoiceFilterForm(_RangeForm):
    ranges = (("due_date_from", "due_date_to"),)


class PaymentFilterForm(_RangeForm):
    ranges = (("date_from", "date_to"),)


class InvoiceFilter(django_filters.FilterSet):
    school_id = django_filters.UUIDFilter(field_name="school_id")
    student_id = django_filters.UUIDFilter(field_name="student_id")
    status = django_filters.ChoiceFilter(
        choices=InvoiceStatus.choices, method="filter_status",
        help_text="Status derived with today's date (an unpaid invoice past due is OVERDUE).",
    )
    due_date_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_date_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    overdue = django_filters.ChoiceFilter(
        choices=_BOOLEAN_CHOICES, method="filter_overdue",
        help_text="true: only invoices past due and not fully paid (derived today); false: the others.",
    )

    class Meta:
        model = Invoice
        fields = ["school_id", "student_id", "status", "due_date_from", "due_date_to", "overdue"]
        form = InvoiceFilterForm

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value)

    def filter_overdue(self, queryset, name, value):
        if value == "true":
            return queryset.overdue()
        return queryset.exclude(pk__in=Invoice.objects.overdue().values("pk"))


class PaymentFilter(django_filters.FilterSet):
    invoice_id = django_filters.UUIDFilter(field_name="invoice_id")
    school_id = django_filters.UUIDFilter(field_name="school_id")
    family_id = django_filters.UUIDFilter(field_name="family_id")
    reversed = StrictBooleanFilter(field_name="is_reversed")
    student_id = django_filters.UUIDFilter(field_name="invoice__student_id")
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
    date_from = django_filters.DateFilter(field_name="payment_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="payment_date", lookup_expr="lte")

    class Meta:
        model = Payment
        fields = ["invoice_id", "school_id", "family_id", "student_id", "method", "reversed", "date_from",
                  "date_to"]
        form = PaymentFilterForm


class CreditNoteFilter(django_filters.FilterSet):
    school_id = django_filters.UUIDFilter(field_name="school_id")
    invoice_id = django_filters.UUIDFilter(field_name="invoice_id")
    student_id = django_filters.UUIDFilter(field_name="invoice__student_id")
    family_id = django_filters.UUIDFilter(field_name="invoice__student__family_id")
    date_from = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte")

    class Meta:
        model = CreditNote
        fields = ["school_id", "invoice_id", "student_id", "family_id", "date_from", "date_to"]
        form = PaymentFilterForm


class RefundFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="refund_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="refund_date", lookup_expr="lte")
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)

    class Meta:
        model = Refund
        fields = ["date_from", "date_to", "method"]
        form = PaymentFilterForm
