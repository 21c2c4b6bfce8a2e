"""Output shapes of the report rows (JSON keys and CSV columns). Money: numbers, two decimals."""

from rest_framework import serializers

from core.api import MoneyField


class StudentBalanceRow(serializers.Serializer):
    student_id = serializers.UUIDField(source="pk")
    student_name = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    student_email = serializers.CharField()
    grade = serializers.CharField()
    is_active = serializers.BooleanField()
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    invoice_count = serializers.IntegerField()
    total_invoiced = MoneyField(max_digits=16)
    total_paid = MoneyField(max_digits=16)
    total_pending = MoneyField(max_digits=16)
    total_overdue = MoneyField(max_digits=16, help_text="Unpaid amount of the invoices past due today.")
    has_overdue = serializers.BooleanField()
    oldest_unpaid_due_date = serializers.DateField(allow_null=True)


class SchoolSummaryRow(serializers.Serializer):
    school_id = serializers.UUIDField(source="pk")
    school_name = serializers.CharField()
    is_active = serializers.BooleanField()
    students_total = serializers.IntegerField()
    students_active = serializers.IntegerField()
    invoice_count = serializers.IntegerField()
    total_invoiced = MoneyField(max_digits=16)
    total_collected = MoneyField(max_digits=16)
    total_pending = MoneyField(max_digits=16)
    total_overdue = MoneyField(max_digits=16, help_text="Unpaid amount of the invoices past due today.")
    collection_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True,
        help_text="Collected as a percentage of invoiced; null when nothing was invoiced.",
    )


class InvoiceDetailRow(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    student_id = serializers.UUIDField()
    student_name = serializers.CharField()
    grade = serializers.CharField()
    amount = MoneyField()
    paid_amount = MoneyField()
    pending_amount = MoneyField()
    due_date = serializers.DateField()
    status = serializers.CharField(source="current_status", help_text="Derived as of today.")
    days_overdue = serializers.IntegerField(help_text="0 unless the invoice is overdue.")
    description = serializers.CharField()
    created_at = serializers.DateTimeField()


class OverdueInvoiceRow(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    student_id = serializers.UUIDField()
    student_name = serializers.CharField()
    student_email = serializers.CharField()
    grade = serializers.CharField()
    amount = MoneyField()
    paid_amount = MoneyField()
    pending_amount = MoneyField()
    due_date = serializers.DateField()
    days_overdue = serializers.IntegerField()
    aging_bucket = serializers.ChoiceField(choices=["0-30", "31-60", "61-90", "90+"])
    description = serializers.CharField()


class PaymentHistoryRow(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField(help_text="Receipt number.")
    payment_date = serializers.DateField()
    amount = MoneyField()
    method = serializers.CharField()
    reference = serializers.CharField()
    invoice_id = serializers.UUIDField()
    invoice_number = serializers.CharField()
    invoice_amount = MoneyField()
    invoice_due_date = serializers.DateField()
    student_id = serializers.UUIDField()
    student_name = serializers.CharField()
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    created_at = serializers.DateTimeField()


class DailyCollectionRow(serializers.Serializer):
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    date = serializers.DateField(source="collection_date")
    payment_count = serializers.IntegerField()
    total_amount = MoneyField(max_digits=16)


class MonthlyRevenueRow(serializers.Serializer):
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM.")
    month_start = serializers.DateField()
    invoice_count = serializers.IntegerField()
    total_invoiced = MoneyField(max_digits=16, help_text="Non-cancelled invoices due in the month.")
    payment_count = serializers.IntegerField()
    total_collected = MoneyField(max_digits=16, help_text="Payments received in the month.")
