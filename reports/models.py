"""Unmanaged models over the report views (migrations/sql/). Read-only: Django never writes here.

Figures that depend on "today" (overdue amounts, days overdue, aging buckets, the derived
invoice status) are not columns: reports.selectors adds them with local_today() as a parameter.
"""

from django.db import models

from billing.models import PaymentMethod
from billing.querysets import InvoiceQuerySet, InvoiceStatus

# Sums of NUMERIC(12,2) columns can outgrow 12 digits; reads are not validated against it.
TOTAL = {"max_digits": 16, "decimal_places": 2}
MONEY = {"max_digits": 12, "decimal_places": 2}


class _SchoolRow(models.Model):
    school = models.ForeignKey(
        "schools.School", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    school_name = models.CharField(max_length=200)

    class Meta:
        abstract = True


class StudentBalance(_SchoolRow):
    """Per student: invoiced, paid and pending over the student's non-cancelled invoices."""

    student = models.OneToOneField(
        "students.Student", on_delete=models.DO_NOTHING, primary_key=True, related_name="+",
        db_constraint=False,
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    student_name = models.CharField(max_length=201)
    student_email = models.CharField(max_length=254)
    grade = models.CharField(max_length=50)
    is_active = models.BooleanField()
    invoice_count = models.IntegerField()
    total_invoiced = models.DecimalField(**TOTAL)
    total_paid = models.DecimalField(**TOTAL)
    total_pending = models.DecimalField(**TOTAL)
    oldest_unpaid_due_date = models.DateField(null=True)

    class Meta:
        managed = False
        db_table = "reports_student_balance"

    def __str__(self) -> str:
        return self.student_name


class SchoolSummary(models.Model):
    """Per school: students, invoiced, collected, pending and the collection rate (percent)."""

    school = models.OneToOneField(
        "schools.School", on_delete=models.DO_NOTHING, primary_key=True, related_name="+",
        db_constraint=False,
    )
    school_name = models.CharField(max_length=200)
    is_active = models.BooleanField()
    students_total = models.IntegerField()
    students_active = models.IntegerField()
    invoice_count = models.IntegerField()
    total_invoiced = models.DecimalField(**TOTAL)
    total_collected = models.DecimalField(**TOTAL)
    total_pending = models.DecimalField(**TOTAL)
    collection_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)

    class Meta:
        managed = False
        db_table = "reports_school_summary"

    def __str__(self) -> str:
        return self.school_name


class _InvoiceRow(_SchoolRow):
    """The columns every invoice view has: the invoice's figures with its student's name."""

    id = models.UUIDField(primary_key=True)
    number = models.CharField(max_length=20)
    student = models.ForeignKey(
        "students.Student", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    student_name = models.CharField(max_length=201)
    grade = models.CharField(max_length=50)
    amount = models.DecimalField(**MONEY)
    paid_amount = models.DecimalField(**MONEY)
    credited_amount = models.DecimalField(**MONEY)
    pending_amount = models.DecimalField(**MONEY)
    due_date = models.DateField()
    description = models.CharField(max_length=255)

    class Meta:
        abstract = True
        managed = False

    def __str__(self) -> str:
        return self.number


class InvoiceDetail(_InvoiceRow):
    """One invoice with its student and school names. `status` is the stored column: read the
    derived one through `objects.with_current_status()`, the rule billing.querysets applies."""

    status = models.CharField(max_length=10, choices=InvoiceStatus.choices)
    created_at = models.DateTimeField()

    # Same column names as billing.Invoice, so the status rule is literally the same code.
    objects = InvoiceQuerySet.as_manager()

    class Meta(_InvoiceRow.Meta):
        db_table = "reports_invoice_details"


class OverdueInvoice(_InvoiceRow):
    """An open invoice (not cancelled, not fully paid). The selector keeps the overdue ones."""

    student_email = models.CharField(max_length=254)

    class Meta(_InvoiceRow.Meta):
        db_table = "reports_overdue_invoices"


class PaymentHistory(_SchoolRow):
    """One payment with its invoice, student and school."""

    id = models.UUIDField(primary_key=True)
    number = models.CharField(max_length=20)
    payment_date = models.DateField()
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    invoice_number = models.CharField(max_length=20)
    invoice_amount = models.DecimalField(**MONEY)
    invoice_due_date = models.DateField()
    student = models.ForeignKey(
        "students.Student", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    student_name = models.CharField(max_length=201)

    class Meta:
        managed = False
        db_table = "reports_payment_history"

    def __str__(self) -> str:
        return self.number


class DailyCollection(_SchoolRow):
    """Per school and payment date: number and sum of the payments received."""

    id = models.CharField(max_length=60, primary_key=True)
    collection_date = models.DateField()
    payment_count = models.IntegerField()
    total_amount = models.DecimalField(**TOTAL)

    class Meta:
        managed = False
        db_table = "reports_daily_collections"

    def __str__(self) -> str:
        return f"{self.school_name} {self.collection_date}"


class MonthlyRevenue(_SchoolRow):
    """Per school and month: invoiced (by due date, cancelled excluded) and collected (by
    payment date), with the number of invoices and payments."""

    id = models.CharField(max_length=60, primary_key=True)
    month_start = models.DateField()
    month = models.CharField(max_length=7)
    invoice_count = models.IntegerField()
    total_invoiced = models.DecimalField(**TOTAL)
    payment_count = models.IntegerField()
    total_collected = models.DecimalField(**TOTAL)

    class Meta:
        managed = False
        db_table = "reports_monthly_revenue"

    def __str__(self) -> str:
        return f"{self.school_name} {self.month}"
