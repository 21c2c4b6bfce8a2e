"""The account statement of a family: every child's invoices and every movement of the family's
money, read like a bank statement, in what the family owes (negative: the family is in credit).

Movements, each dated and in date order with the running balance after it:
- CHARGE        an invoice of one of the children (not cancelled), on its due date: + amount;
- PAYMENT       money the family paid (a family payment, or a payment against one child's invoice),
                on its date: - amount, with where it went (`allocations`);
- CREDIT_NOTE   a credit note on a child's invoice, on its issue date: - amount;
- REVERSAL      a payment taken back (bounced cheque, chargeback, entry error), on the reversal's
                date: + the payment's amount;
- REFUND        credit paid back to the family, on its date: + amount.

The period (`from`, `to`, both optional) selects invoices by due date and movements by date, as in
the student and school statements. opening_balance is what was owed before the period,
closing_balance = opening + charges - credits of the period, and `credit_balance` is the family's
credit now (billing.credit). A family of three children has a few hundred rows at most: they are
read in a handful of queries and summed in Decimal; the result is cached under the school's version.
"""

from collections import defaultdict
from datetime import date

from django.db.models import Q

from accounting.selectors import Period, _generated_at, statement_invoice_row
from billing import rules
from billing.credit import family_credit_balance
from billing.models import Allocation, CreditNote, Invoice, InvoiceStatus, Payment, PaymentReversal, Refund
from billing.querysets import current_status_expression
from core.dates import local_today
from core.money import ZERO
from families.models import Family
from schools.cache import cached_for_schools
from users.access import get_visible_or_404
from users.models import User

CHARGE, PAYMENT, CREDIT_NOTE, REVERSAL, REFUND = "CHARGE", "PAYMENT", "CREDIT_NOTE", "REVERSAL", "REFUND"
# Same day: charges first, then what lowers the debt, then what raises it back.
_ORDER = {CHARGE: 0, PAYMENT: 1, CREDIT_NOTE: 2, REVERSAL: 3, REFUND: 4}


def statement_family_get(*, user: User, family_id) -> Family:
    """The family, school joined, if one of the caller's schools holds it (else NotFound)."""
    return get_visible_or_404(Family.objects.select_related("school"), user, family_id)


def family_statement_get(*, family: Family, period: Period, today: date | None = None) -> dict:
    today = today or local_today()
    return cached_for_schools(
        namespace="accounting.family-statement",
        school_ids=[family.school_id],
        params={"family": family.pk, "period": period.as_dict(), "today": today},
        compute=lambda: _family_statement(family, period, today),
    )


def _name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def _in(day: date, period: Period) -> bool:
    return (period.date_from is None or day >= period.date_from) and (
        period.date_to is None or day <= period.date_to
    )


def _before(day: date, period: Period) -> bool:
    return period.date_from is not None and day < period.date_from


def _family_statement(family: Family, period: Period, today: date) -> dict:
    invoice_rows = list(
        Invoice.objects.filter(student__family_id=family.pk)
        .annotate(current_status=current_status_expression(today))
        .order_by("due_date", "number")
        .values(
            "id",
            "number",
            "description",
            "amount",
            "paid_amount",
            "credited_amount",
            "due_date",
            "status",
            "current_status",
            "student_id",
            "student__first_name",
            "student__last_name",
        )
    )
    invoice_ids = [row["id"] for row in invoice_rows]
    payments = list(
        Payment.objects.filter(Q(family_id=family.pk) | Q(allocations__invoice_id__in=invoice_ids))
        .distinct()
        .order_by("payment_date", "number")
        .values(
            "id",
            "number",
            "amount",
            "payment_date",
            "method",
            "reference",
            "is_reversed",
            "allocated_amount",
            "refunded_amount",
        )
    )
    payment_ids = [p["id"] for p in payments]
    allocations = defaultdict(list)
    for a in (
        Allocation.objects.filter(payment_id__in=payment_ids)
        .order_by("created_at", "invoice__number")
        .values(
            "payment_id",
            "invoice_id",
            "invoice__number",
            "invoice__student__first_name",
            "invoice__student__last_name",
            "amount",
        )
    ):
        allocations[a["payment_id"]].append(
            {
                "invoice_id": a["invoice_id"],
                "invoice_number": a["invoice__number"],
                "student_name": _name(a["invoice__student__first_name"], a["invoice__student__last_name"]),
                "amount": a["amount"],
            }
        )
    reversals = list(
        PaymentReversal.objects.filter(payment_id__in=payment_ids).values(
            "id", "number", "payment_id", "payment__number", "payment__amount", "reason", "reversal_date"
        )
    )
    notes = list(
        CreditNote.objects.filter(invoice_id__in=invoice_ids).values(
            "id", "number", "invoice_id", "invoice__number", "amount", "reason", "issue_date"
        )
    )
    refunds = list(
        Refund.objects.filter(family_id=family.pk).values(
            "id", "number", "amount", "method", "refund_date", "reference"
        )
    )

    def movement(kind, day, number, description, charge=ZERO, credit=ZERO, **refs) -> dict:
        return {
            "date": day,
            "type": kind,
            "number": number,
            "description": description,
            "charge": charge,
            "credit": credit,
            **refs,
        }

    everything = (
        [
            movement(
                CHARGE,
                row["due_date"],
                row["number"],
                row["description"],
                charge=row["amount"],
                invoice_id=row["id"],
                student_id=row["student_id"],
            )
            for row in invoice_rows
            if row["status"] != InvoiceStatus.CANCELLED
        ]
        + [
            movement(
                PAYMENT,
                p["payment_date"],
                p["number"],
                p["method"],
                credit=p["amount"],
                payment_id=p["id"],
                reference=p["reference"],
                allocations=allocations.get(p["id"], []),
            )
            for p in payments
        ]
        + [
            movement(
                CREDIT_NOTE,
                n["issue_date"],
                n["number"],
                n["reason"],
                credit=n["amount"],
                invoice_id=n["invoice_id"],
                invoice_number=n["invoice__number"],
            )
            for n in notes
        ]
        + [
            movement(
                REVERSAL,
                r["reversal_date"],
                r["number"],
                r["reason"],
                charge=r["payment__amount"],
                payment_id=r["payment_id"],
                payment_number=r["payment__number"],
            )
            for r in reversals
        ]
        + [
            movement(
                REFUND,
                f["refund_date"],
                f["number"],
                f["method"],
                charge=f["amount"],
                reference=f["reference"],
            )
            for f in refunds
        ]
    )
    everything.sort(key=lambda m: (m["date"], _ORDER[m["type"]], m["number"]))

    opening = sum((m["charge"] - m["credit"] for m in everything if _before(m["date"], period)), ZERO)
    movements = [m for m in everything if _in(m["date"], period)]
    balance = opening
    for m in movements:
        balance = balance + m["charge"] - m["credit"]
        m["balance"] = balance

    listed = [row for row in invoice_rows if _in(row["due_date"], period)]
    counted = [row for row in listed if row["status"] != InvoiceStatus.CANCELLED]
    summary = {
        "total_invoiced": sum((r["amount"] for r in counted), ZERO),
        "total_paid": sum((r["paid_amount"] for r in counted), ZERO),
        "total_credited": sum((r["credited_amount"] for r in counted), ZERO),
        "total_pending": sum((rules.invoice_pending_amount(r) for r in counted), ZERO),
        "total_overdue": sum(
            (rules.invoice_balance(r) for r in counted if r["current_status"] == InvoiceStatus.OVERDUE), ZERO
        ),
    }
    students = {}
    for row in invoice_rows:
        students[row["student_id"]] = f"{row['student__first_name']} {row['student__last_name']}".strip()
    for student in family.students.values("id", "first_name", "last_name"):
        students.setdefault(student["id"], f"{student['first_name']} {student['last_name']}".strip())

    return {
        "family_id": family.pk,
        "family_name": family.name,
        "reference": family.reference,
        "school_id": family.school_id,
        "school_name": family.school.name,
        "period": period.as_dict(),
        "students": [{"id": sid, "name": name} for sid, name in students.items()],
        "summary": summary,
        "opening_balance": opening,
        "closing_balance": balance,
        "credit_balance": family_credit_balance(family_id=family.pk),
        "invoices": [
            statement_invoice_row(
                r, status=r["current_status"], student_id=r["student_id"],
                student_name=students[r["student_id"]], credited_amount=r["credited_amount"],
            )
            for r in listed
        ],
        "movements": movements,
        "generated_at": _generated_at(),
    }


__all__ = ["family_statement_get", "statement_family_get"]
