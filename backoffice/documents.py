"""The printable documents (payment receipt, student account statement) as template + context.

The admin's print pages, the API's PDFs and the reminders' attachments all build their context
here, so a receipt or a statement reads the same on screen, on paper and in a PDF.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext

from accounting.selectors import Period, student_statement_get
from billing import rules
from billing.models import Invoice, Payment, PaymentMethod
from core.pdf import render_pdf
from students.models import Student

RECEIPT_TEMPLATE = "backoffice/receipt.html"
STATEMENT_TEMPLATE = "backoffice/statement.html"

PAPER_SIZES = {"a4": "A4", "letter": "letter"}


def receipt_context(payment: Payment) -> dict:
    """What the receipt shows: the payment, its invoice as it stands now, the school and student."""
    invoice = (
        Invoice.objects.with_current_status()
        .select_related("student", "school")
        .get(pk=payment.invoice_id)
    )
    return {
        "payment": payment,
        "invoice": invoice,
        "school": invoice.school,
        "student": invoice.student,
        "pending_after": rules.invoice_pending_amount(invoice),
        "method_label": PaymentMethod(payment.method).label,
        "title": gettext("Receipt %(number)s") % {"number": payment.number},
        "printed_at": timezone.localtime(),
    }


def student_statement_context(student: Student, *, period: Period, paper: str = "a4") -> dict:
    """What the student's statement shows: the API's statement, payment methods spelled out."""
    statement = student_statement_get(student=student, period=period)
    methods = dict(PaymentMethod.choices)
    movements = [
        {**m, "method_label": methods.get(m["description"], m["description"]) if m["type"] == "PAYMENT"
         else ""}
        for m in statement["movements"]
    ]
    return {
        "title": gettext("Account statement · %(name)s") % {"name": student.full_name},
        "student": student,
        "school": student.school,
        "statement": statement,
        "movements": movements,
        "paper": PAPER_SIZES.get(paper, "A4"),
        "paper_key": paper if paper in PAPER_SIZES else "a4",
        "printed_at": timezone.localtime(),
    }


def receipt_pdf(payment: Payment, *, request=None) -> bytes:
    return render_pdf(RECEIPT_TEMPLATE, receipt_context(payment), request=request)


def student_statement_pdf(student: Student, *, period: Period, paper: str = "a4", request=None) -> bytes:
    return render_pdf(STATEMENT_TEMPLATE, student_statement_context(student, period=period, paper=paper),
                      request=request)


def receipt_filename(payment: Payment) -> str:
    return f"recibo-{payment.number}.pdf"


def statement_filename(student: Student) -> str:
    return f"estado-de-cuenta-{student.full_name}.pdf"
