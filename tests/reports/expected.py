"""The report figures computed again, independently of the SQL views: plain ORM reads and
Python arithmetic over model instances, with billing.rules' status rule."""

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from billing.models import Invoice, InvoiceStatus, Payment
from billing.rules import invoice_current_status
from schools.models import School
from students.models import Student

ZERO = Decimal("0.00")


def _counted(invoices):
    return [i for i in invoices if i.status != InvoiceStatus.CANCELLED]


def bucket(days: int) -> str:
    if days <= 30:
        return "0-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


def student_balances(today: date) -> dict:
    rows = {}
    invoices = defaultdict(list)
    for invoice in Invoice.objects.all():
        invoices[invoice.student_id].append(invoice)
    for student in Student.objects.select_related("school"):
        counted = _counted(invoices[student.pk])
        unpaid = [i for i in counted if i.paid_amount < i.amount]
        rows[student.pk] = {
            "school_id": student.school_id,
            "school_name": student.school.name,
            "student_name": student.full_name,
            "grade": student.grade,
            "is_active": student.is_active,
            "invoice_count": len(counted),
            "total_invoiced": sum((i.amount for i in counted), ZERO),
            "total_paid": sum((i.paid_amount for i in counted), ZERO),
            "total_pending": sum((i.amount - i.paid_amount for i in counted), ZERO),
            "total_overdue": sum((i.amount - i.paid_amount for i in unpaid if i.due_date < today), ZERO),
            "has_overdue": any(i.due_date < today for i in unpaid),
            "oldest_unpaid_due_date": min((i.due_date for i in unpaid), default=None),
        }
    return rows


def school_summaries(today: date) -> dict:
    rows = {}
    for school in School.objects.all():
        students = list(Student.objects.filter(school=school))
        counted = _counted(Invoice.objects.filter(school=school))
        invoiced = sum((i.amount for i in counted), ZERO)
        collected = sum((i.paid_amount for i in counted), ZERO)
        rows[school.pk] = {
            "school_name": school.name,
            "students_total": len(students),
            "students_active": sum(1 for s in students if s.is_active),
            "invoice_count": len(counted),
            "total_invoiced": invoiced,
            "total_collected": collected,
            "total_pending": invoiced - collected,
            "total_overdue": sum(
                (i.amount - i.paid_amount for i in counted
                 if i.paid_amount < i.amount and i.due_date < today),
                ZERO,
            ),
            "collection_rate": (collected * 100 / invoiced).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if invoiced else None,
        }
    return rows


def invoice_details(today: date) -> dict:
    rows = {}
    for invoice in Invoice.objects.select_related("student", "school"):
        status = invoice_current_status(invoice, today=today)
        rows[invoice.pk] = {
            "number": invoice.number,
            "school_id": invoice.school_id,
            "school_name": invoice.school.name,
            "student_id": invoice.student_id,
            "student_name": invoice.student.full_name,
            "amount": invoice.amount,
            "paid_amount": invoice.paid_amount,
            "pending_amount": (
                ZERO if status == InvoiceStatus.CANCELLED else invoice.amount - invoice.paid_amount
            ),
            "due_date": invoice.due_date,
            "status": status,
            "days_overdue": (today - invoice.due_date).days if status == InvoiceStatus.OVERDUE else 0,
        }
    return rows


def overdue_invoices(today: date) -> dict:
    return {
        pk: {**row, "aging_bucket": bucket(row["days_overdue"])}
        for pk, row in invoice_details(today).items()
        if row["status"] == InvoiceStatus.OVERDUE
    }


def payment_history() -> dict:
    return {
        p.pk: {
            "number": p.number,
            "payment_date": p.payment_date,
            "amount": p.amount,
            "method": p.method,
            "invoice_id": p.invoice_id,
            "invoice_number": p.invoice.number,
            "student_id": p.invoice.student_id,
            "student_name": p.invoice.student.full_name,
            "school_id": p.school_id,
            "school_name": p.school.name,
        }
        for p in Payment.objects.select_related("invoice__student", "school")
    }


def daily_collections() -> dict:
    rows: dict = defaultdict(lambda: {"payment_count": 0, "total_amount": ZERO})
    for p in Payment.objects.all():
        row = rows[(p.school_id, p.payment_date)]
        row["payment_count"] += 1
        row["total_amount"] += p.amount
    return dict(rows)


def monthly_revenue() -> dict:
    rows: dict = defaultdict(
        lambda: {"invoice_count": 0, "total_invoiced": ZERO, "payment_count": 0, "total_collected": ZERO}
    )
    for i in _counted(Invoice.objects.all()):
        row = rows[(i.school_id, i.due_date.replace(day=1))]
        row["invoice_count"] += 1
        row["total_invoiced"] += i.amount
    for p in Payment.objects.all():
        row = rows[(p.school_id, p.payment_date.replace(day=1))]
        row["payment_count"] += 1
        row["total_collected"] += p.amount
    return dict(rows)
