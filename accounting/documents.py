"""The student's account statement as a printable document: template + context, and its PDF.

The admin's print page, the API's PDF and the reminders' attachments all build their context here,
so a statement reads the same on screen, on paper and in a PDF. (The receipt: billing/documents.py.)
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext

from accounting.selectors import Period, student_statement_get
from billing.models import PaymentMethod
from core.pdf import render_pdf
from students.models import Student

STATEMENT_TEMPLATE = "backoffice/statement.html"

PAPER_SIZES = {"a4": "A4", "letter": "letter"}


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


def student_statement_pdf(student: Student, *, period: Period, paper: str = "a4", request=None) -> bytes:
    return render_pdf(STATEMENT_TEMPLATE, student_statement_context(student, period=period, paper=paper),
                      request=request)


def statement_filename(student: Student) -> str:
    return f"estado-de-cuenta-{student.full_name}.pdf"
