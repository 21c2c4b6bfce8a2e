"""The account statements (a student's, a family's) as printable documents: template + context,
and their PDFs.

The admin's print pages, the API's PDFs and the reminders' attachments all build their context
here, so a statement reads the same on screen, on paper and in a PDF. (The receipt:
billing/documents.py.)
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext, pgettext

from accounting.family_statement import (
    CHARGE,
    CREDIT_NOTE,
    PAYMENT,
    REFUND,
    REVERSAL,
    family_statement_get,
)
from accounting.selectors import Period, student_statement_get
from billing.models import PaymentMethod, ReversalReason
from core.pdf import render_pdf
from families.models import Family
from students.models import Student

STATEMENT_TEMPLATE = "backoffice/statement.html"
FAMILY_STATEMENT_TEMPLATE = "backoffice/family_statement.html"

PAPER_SIZES = {"a4": "A4", "letter": "letter"}


def _statement_context(title: str, statement: dict, movements: list[dict], *, paper: str, **whose) -> dict:
    """The template context both statements share; `whose`: the student or family and its school.
    An unknown paper size prints on A4 rather than failing the download."""
    return {
        "title": title,
        **whose,
        "statement": statement,
        "movements": movements,
        "paper": PAPER_SIZES.get(paper, "A4"),
        "paper_key": paper if paper in PAPER_SIZES else "a4",
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
    return _statement_context(
        gettext("Account statement · %(name)s") % {"name": student.full_name},
        statement, movements, paper=paper, student=student, school=student.school,
    )


def student_statement_pdf(student: Student, *, period: Period, paper: str = "a4", request=None) -> bytes:
    return render_pdf(STATEMENT_TEMPLATE, student_statement_context(student, period=period, paper=paper),
                      request=request)


def statement_filename(student: Student) -> str:
    return f"estado-de-cuenta-{student.full_name}.pdf"


def _movement_labels() -> dict[str, str]:
    return {
        CHARGE: pgettext("statement movement", "Charge"),
        PAYMENT: pgettext("statement movement", "Payment"),
        CREDIT_NOTE: pgettext("statement movement", "Credit note"),
        REVERSAL: pgettext("statement movement", "Payment reversal"),
        REFUND: pgettext("statement movement", "Refund"),
    }


def family_statement_context(family: Family, *, period: Period, paper: str = "a4") -> dict:
    """What the family's statement shows: the API's statement (every child's invoices; charges,
    payments with their allocations, credit notes, reversals and refunds with a running balance),
    with types, payment methods and reversal reasons spelled out in the reader's language."""
    statement = family_statement_get(family=family, period=period)
    methods = dict(PaymentMethod.choices)
    reasons = dict(ReversalReason.choices)
    kinds = _movement_labels()
    movements = []
    for m in statement["movements"]:
        if m["type"] in (PAYMENT, REFUND):
            detail = methods.get(m["description"], m["description"])
        elif m["type"] == REVERSAL:
            detail = reasons.get(m["description"], m["description"])
        else:
            detail = m["description"]
        movements.append({**m, "type_label": kinds.get(m["type"], m["type"]), "detail": detail})
    return _statement_context(
        gettext("Family account statement · %(name)s") % {"name": family.name},
        statement, movements, paper=paper, family=family, school=family.school,
    )


def family_statement_pdf(family: Family, *, period: Period, paper: str = "a4", request=None) -> bytes:
    return render_pdf(FAMILY_STATEMENT_TEMPLATE, family_statement_context(family, period=period, paper=paper),
                      request=request)


def family_statement_filename(family: Family) -> str:
    return f"estado-de-cuenta-familia-{family.name}-{family.reference}.pdf"
