"""Account statements of a student and of a school, read like a bank statement.

Definitions (the ones the API documents):
- The period (`date_from`, `date_to`, both optional) selects invoices by due date. Without bounds,
  every invoice counts, upcoming ones included.
- Cancelled invoices are listed with their status but count in no total and in no movement.
- summary: over the period's invoices. total_invoiced = their amounts, total_paid = what was paid on
  them, total_pending = the unpaid rest, total_overdue = the unpaid part of those whose due date
  has passed (derived today, so right even before the overdue sweep has run).
- movements: charges (invoices, dated by due date) and credits (payments, dated by payment date)
  of the period in date order, each with the running balance. opening_balance = charges due
  before the period minus payments dated before it; closing_balance = opening + charges - credits.
  The school statement gives one movement per day (totals), the student statement one per document.

Every figure is a SQL aggregate over Decimal columns; the number of queries is fixed whatever the
data size. Results are cached under the school's version (schools.cache), which every money write
bumps in its own transaction, so a statement read after a payment shows the payment.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from math import ceil

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from billing import rules
from billing.models import Allocation, CreditNote, Invoice, InvoiceStatus, Payment, PaymentReversal, Refund
from billing.rules import current_status_expression
from core.dates import local_today
from core.exceptions import NotFound
from core.money import ZERO, to_cents
from core.replicas import routed_connection
from schools.cache import cached_for_schools
from schools.models import School
from students.models import Student
from users.access import get_visible_or_404
from users.models import User

_COUNTABLE = rules.countable_q()
# Counts never name `id`: every column these queries read is in the PostgreSQL covering indexes
# (billing 0004), so the scans stay index-only.

CHARGE = "CHARGE"
PAYMENT = "PAYMENT"
CREDIT_NOTE = "CREDIT_NOTE"
REVERSAL = "REVERSAL"
REFUND = "REFUND"


@dataclass(frozen=True)
class Period:
    date_from: date | None = None
    date_to: date | None = None

    def as_dict(self) -> dict:
        return {"from": self.date_from, "to": self.date_to}

    def bounds(self, field: str) -> Q:
        q = Q()
        if self.date_from:
            q &= Q(**{f"{field}__gte": self.date_from})
        if self.date_to:
            q &= Q(**{f"{field}__lte": self.date_to})
        return q

    def before(self, field: str) -> Q:
        # Nothing is before an open start: an always-false condition keeps the query shape.
        return Q(**{f"{field}__lt": self.date_from}) if self.date_from else Q(pk__in=[])


_FIGURES_MONEY = ("total_invoiced", "total_paid", "total_pending", "total_overdue", "charges_before",
                  "credits", "credits_before")


def _figures(*, student_id=None, school_id=None, period: Period, today: date) -> dict:
    """Every figure of a statement, for one student's or one school's invoices and payments, in
    one SQL statement: over the invoices due up to the period's end, invoice_count (in the
    period), total_invoiced / total_paid / total_pending / total_overdue (in the period, not
    cancelled; overdue: past due today and not fully paid), charges_before (not cancelled, due
    before the period); over the payments dated up to its end, credits (in the period) and
    credits_before.

    Plain SQL on purpose: the same aggregates through the ORM (eight filtered sums) cost ~8 ms
    of CPU to build and compile per statement, thirty times the query itself (bench/README.md).
    Every column read is in the covering indexes (billing 0004), so PostgreSQL scans index-only.
    It runs on the connection the router picks for the statement's other reads (a replica for a
    lag-tolerant request, core/replicas.py).
    Balance, "counted" and "overdue" are billing.rules' SQL text.
    """
    connection = routed_connection(Invoice)
    invoice, payment = Invoice._meta, Payment._meta
    # The credits side is every movement that lowers (or, negative, raises back) what is owed, as
    # (payment_date, amount) rows: a student's allocations on their payment's date, less the
    # reversed ones on the reversal's date, plus credit notes on their issue date; a school's
    # payments, less reversals, plus credit notes, less refunds. Each branch filters by its owner.
    allocation, reversal = Allocation._meta.db_table, PaymentReversal._meta.db_table
    note, refund = CreditNote._meta.db_table, Refund._meta.db_table
    if student_id is not None:
        owner_pk = Student._meta.pk
        owner_value = owner_pk.get_db_prep_value(owner_pk.to_python(student_id), connection)
        invoice_owner = "i.student_id = %s"
        payment_from = f"""(
            SELECT pp.payment_date, a.amount FROM {allocation} a
                JOIN {payment.db_table} pp ON pp.id = a.payment_id
                JOIN {invoice.db_table} pi ON pi.id = a.invoice_id WHERE pi.student_id = %s
            UNION ALL SELECT r.reversal_date, -a.amount FROM {allocation} a
                JOIN {reversal} r ON r.payment_id = a.payment_id
                JOIN {invoice.db_table} pi ON pi.id = a.invoice_id WHERE pi.student_id = %s
            UNION ALL SELECT c.issue_date, c.amount FROM {note} c
                JOIN {invoice.db_table} pi ON pi.id = c.invoice_id WHERE pi.student_id = %s
        ) p"""  # noqa: S608 - table names are our models'; every value is a parameter
        owners = [owner_value] * 3
    else:
        owner_pk = School._meta.pk
        owner_value = owner_pk.get_db_prep_value(owner_pk.to_python(school_id), connection)
        invoice_owner = "i.school_id = %s"
        payment_from = f"""(
            SELECT pp.payment_date, pp.amount FROM {payment.db_table} pp WHERE pp.school_id = %s
            UNION ALL SELECT r.reversal_date, -pp.amount FROM {reversal} r
                JOIN {payment.db_table} pp ON pp.id = r.payment_id WHERE r.school_id = %s
            UNION ALL SELECT c.issue_date, c.amount FROM {note} c WHERE c.school_id = %s
            UNION ALL SELECT f.refund_date, -f.amount FROM {refund} f WHERE f.school_id = %s
        ) p"""  # noqa: S608 - table names are our models'; every value is a parameter
        owners = [owner_value] * 4
    payment_owner = "1 = 1"

    def window(column: str) -> tuple[str, list, str, list, str, list]:
        """(in the period, its params), (before it, its params), (not after it, its params)."""
        inside, inside_params = ["1 = 1"], []
        if period.date_from:
            inside.append(f"{column} >= %s")
            inside_params.append(period.date_from)
        if period.date_to:
            inside.append(f"{column} <= %s")
            inside_params.append(period.date_to)
        before, before_params = ("1 = 0", [])
        if period.date_from:
            before, before_params = f"{column} < %s", [period.date_from]
        upto, upto_params = ("", []) if not period.date_to else (f" AND {column} <= %s", [period.date_to])
        return " AND ".join(inside), inside_params, before, before_params, upto, upto_params

    i_in, i_in_p, i_before, i_before_p, i_upto, i_upto_p = window("i.due_date")
    p_in, p_in_p, p_before, p_before_p, p_upto, p_upto_p = window("p.payment_date")
    countable, balance = rules.countable_sql("i"), rules.balance_sql("i")
    counted = f"{countable} AND {i_in}"
    sql = f"""
        SELECT inv.*, pay.* FROM (
            SELECT
                COUNT(*) FILTER (WHERE {i_in}),
                COALESCE(SUM(i.amount) FILTER (WHERE {counted}), 0),
                COALESCE(SUM(i.paid_amount) FILTER (WHERE {counted}), 0),
                COALESCE(SUM({balance}) FILTER (WHERE {counted}), 0),
                COALESCE(SUM({balance}) FILTER (WHERE {i_in} AND {rules.overdue_sql("i")}), 0),
                COALESCE(SUM(i.amount) FILTER (WHERE {countable} AND {i_before}), 0)
            FROM {invoice.db_table} i
            WHERE {invoice_owner}{i_upto}
        ) inv CROSS JOIN (
            SELECT
                COALESCE(SUM(p.amount) FILTER (WHERE {p_in}), 0),
                COALESCE(SUM(p.amount) FILTER (WHERE {p_before}), 0)
            FROM {payment_from}
            WHERE {payment_owner}{p_upto}
        ) pay
    """  # noqa: S608 - table names are our models'; every value is a parameter
    params = [
        *i_in_p, *i_in_p, *i_in_p, *i_in_p, *i_in_p, today, *i_before_p, owner_value, *i_upto_p,
        *p_in_p, *p_before_p, *owners, *p_upto_p,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    names = ("invoice_count", "total_invoiced", "total_paid", "total_pending", "total_overdue",
             "charges_before", "credits", "credits_before")
    figures = dict(zip(names, row, strict=True))
    figures["invoice_count"] = int(figures["invoice_count"])
    for name in _FIGURES_MONEY:
        figures[name] = to_cents(figures[name])
    return figures


def _balances(invoice_figures: dict, payment_figures: dict) -> tuple[Decimal, Decimal]:
    opening = invoice_figures["charges_before"] - payment_figures["credits_before"]
    closing = opening + invoice_figures["total_invoiced"] - payment_figures["credits"]
    return opening, closing


def _summary(figures: dict) -> dict:
    return {key: figures[key] for key in ("total_invoiced", "total_paid", "total_pending", "total_overdue")}


def _generated_at() -> str:
    return timezone.now().isoformat().replace("+00:00", "Z")


def statement_student_get(*, user: User, student_id) -> Student:
    """The student, school joined, if one of the caller's schools holds it (any role reads)."""
    return get_visible_or_404(Student.objects.select_related("school"), user, student_id)


# --- Student ----------------------------------------------------------------------------------


def statement_invoice_row(row: dict, *, status: str, **extra) -> dict:
    """An invoice as the statements list it, from its values() row; `status` as of the statement's
    day; `extra`: what this statement adds (its payments, its student, its credit notes' total)."""
    return {
        "id": row["id"],
        "number": row["number"],
        "description": row["description"],
        "amount": row["amount"],
        "paid_amount": row["paid_amount"],
        "pending_amount": rules.invoice_pending_amount(row),
        "status": status,
        "due_date": row["due_date"],
        **extra,
    }


def student_statement_get(*, student: Student, period: Period, today: date | None = None) -> dict:
    """The statement of one student (its school loaded), cached under the school's version."""
    today = today or local_today()
    return cached_for_schools(
        namespace="accounting.student-statement",
        school_ids=[student.school_id],
        params={"student": student.pk, "period": period.as_dict(), "today": today},
        compute=lambda: _student_statement(student, period, today),
    )


def _student_statement(student: Student, period: Period, today: date) -> dict:
    invoices = Invoice.objects.filter(student_id=student.pk)
    allocations = Allocation.objects.filter(invoice__student_id=student.pk)
    # One query for every figure: a student has few rows, so scalar subqueries cost next to nothing
    # and keep the cold statement within its query budget.
    figures = _figures(student_id=student.pk, period=period, today=today)
    invoice_figures = payment_figures = figures
    opening, closing = _balances(invoice_figures, payment_figures)

    rows = list(
        invoices.filter(period.bounds("due_date"))
        .annotate(current_status=current_status_expression(today))
        .order_by("due_date", "number")
        .values("id", "number", "description", "amount", "paid_amount", "due_date", "current_status",
                *rules.CREDIT_FIELDS)
    )
    # What payments put on the listed invoices (whatever their date), and on any of the student's
    # invoices dated in the period (whatever the due date): the first nest under invoices, the
    # second are credits. A family payment counts here only for its part on this student's invoices.
    listed_ids = [row["id"] for row in rows]
    payment_rows = [
        {"id": r[0], "number": r[1], "invoice_id": r[2], "invoice_number": r[3], "amount": r[4],
         "payment_date": r[5], "method": r[6], "reference": r[7]}
        for r in allocations.filter(Q(invoice_id__in=listed_ids) | period.bounds("payment__payment_date"))
        .order_by("payment__payment_date", "payment__number")
        .values_list("payment_id", "payment__number", "invoice_id", "invoice__number", "amount",
                     "payment__payment_date", "payment__method", "payment__reference")
    ]
    note_rows = list(
        CreditNote.objects.filter(invoice__student_id=student.pk).filter(period.bounds("issue_date"))
        .values("id", "number", "invoice_id", "invoice__number", "amount", "issue_date", "reason")
    )

    nested = defaultdict(list)
    for p in payment_rows:
        nested[p["invoice_id"]].append(
            {"id": p["id"], "number": p["number"], "amount": p["amount"], "date": p["payment_date"],
             "method": p["method"], "reference": p["reference"]}
        )
    invoice_list = []
    for row in rows:
        row["status"] = row.pop("current_status")
        invoice_list.append(
            statement_invoice_row(row, status=row["status"], payments=nested.get(row["id"], []))
        )

    charges = [
        (row["due_date"], 0, row["number"], {
            "date": row["due_date"], "type": CHARGE, "invoice_id": row["id"],
            "invoice_number": row["number"], "payment_id": None, "payment_number": None,
            "description": row["description"], "charge": row["amount"], "credit": ZERO,
        })
        for row in rows if row["status"] != InvoiceStatus.CANCELLED
    ]
    credits = [
        (p["payment_date"], 1, p["number"], {
            "date": p["payment_date"], "type": PAYMENT, "invoice_id": p["invoice_id"],
            "invoice_number": p["invoice_number"], "payment_id": p["id"], "payment_number": p["number"],
            "description": p["method"], "charge": ZERO, "credit": p["amount"],
        })
        for p in payment_rows if _date_in(p["payment_date"], period)
    ]
    credits += [
        (n["issue_date"], 2, n["number"], {
            "date": n["issue_date"], "type": CREDIT_NOTE, "invoice_id": n["invoice_id"],
            "invoice_number": n["invoice__number"], "payment_id": None, "payment_number": None,
            "description": n["reason"], "charge": ZERO, "credit": n["amount"],
        })
        for n in note_rows
    ]
    # A reversed payment's part on this student's invoices comes back on the reversal's date.
    reversals = [
        (day, 3, reversal_number, {
            "date": day, "type": REVERSAL, "invoice_id": invoice_id, "invoice_number": invoice_number,
            "payment_id": payment_id, "payment_number": payment_number, "description": reversal_number,
            "charge": amount, "credit": ZERO,
        })
        for payment_id, payment_number, invoice_id, invoice_number, amount, day, reversal_number in (
            allocations.filter(payment__reversal__isnull=False)
            .filter(period.bounds("payment__reversal__reversal_date"))
            .values_list("payment_id", "payment__number", "invoice_id", "invoice__number", "amount",
                         "payment__reversal__reversal_date", "payment__reversal__number")
        )
    ]
    ordered = [movement for *_, movement in sorted(charges + credits + reversals, key=_sort_key)]
    movements = _with_running_balance(opening, ordered, charge="charge", credit="credit")

    return {
        "student_id": student.pk,
        "student_name": student.full_name,
        "school_id": student.school_id,
        "school_name": student.school.name,
        "period": period.as_dict(),
        "summary": _summary(invoice_figures),
        "opening_balance": opening,
        "closing_balance": closing,
        "invoices": invoice_list,
        "movements": movements,
        "generated_at": _generated_at(),
    }


def _date_in(day: date, period: Period) -> bool:
    return (period.date_from is None or day >= period.date_from) and (
        period.date_to is None or day <= period.date_to
    )


def _sort_key(item) -> tuple:
    day, order, number, _movement = item
    return (day, order, number)


def _with_running_balance(opening: Decimal, movements: list[dict], *, charge: str, credit: str) -> list[dict]:
    """Adds `balance` to each movement (already in date order): what is owed after it."""
    balance = opening
    for movement in movements:
        balance = balance + movement[charge] - movement[credit]
        movement["balance"] = balance
    return movements


# --- School -----------------------------------------------------------------------------------


def school_statement_get(
    *, school: School, period: Period, page: int = 1, page_size: int = 20, today: date | None = None
) -> dict:
    """The statement of one school, its invoice list paginated, cached under its version.

    Raises NotFound when `page` is past the last page.
    """
    today = today or local_today()
    return cached_for_schools(
        namespace="accounting.school-statement",
        school_ids=[school.pk],
        params={"school": school.pk, "period": period.as_dict(), "page": page, "size": page_size,
                "today": today},
        compute=lambda: _school_statement(school, period, page, page_size, today),
    )


def _school_corrections_by_day(school_id, period: Period) -> list[tuple[date, Decimal, Decimal]]:
    """(date, charges, credits) of a school's credit notes, reversals and refunds, per day."""
    connection = routed_connection(Invoice)
    pk = School._meta.pk
    owner = pk.get_db_prep_value(pk.to_python(school_id), connection)
    note, reversal = CreditNote._meta.db_table, PaymentReversal._meta.db_table
    payment, refund = Payment._meta.db_table, Refund._meta.db_table
    branches, params = [], []
    for sql, column in (
        # Table names are our models'; every value is a parameter.
        ("SELECT c.issue_date AS d, 0 AS charge, c.amount AS credit FROM " + note + " c "  # noqa: S608
         "WHERE c.school_id = %s", "c.issue_date"),
        ("SELECT r.reversal_date, p.amount, 0 FROM " + reversal + " r "  # noqa: S608
         "JOIN " + payment + " p ON p.id = r.payment_id WHERE r.school_id = %s", "r.reversal_date"),
        ("SELECT f.refund_date, f.amount, 0 FROM " + refund + " f WHERE f.school_id = %s",  # noqa: S608
         "f.refund_date"),
    ):
        params.append(owner)
        if period.date_from:
            sql += f" AND {column} >= %s"
            params.append(period.date_from)
        if period.date_to:
            sql += f" AND {column} <= %s"
            params.append(period.date_to)
        branches.append(sql)
    query = f"SELECT d, SUM(charge), SUM(credit) FROM ({' UNION ALL '.join(branches)}) x GROUP BY d"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    return [(_as_date(d), to_cents(charge), to_cents(credit)) for d, charge, credit in rows]


def _as_date(value) -> date:
    # SQLite hands a date column back as text through a raw cursor.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _school_statement(school: School, period: Period, page: int, page_size: int, today: date) -> dict:
    invoices = Invoice.objects.filter(school_id=school.pk)
    payments = Payment.objects.filter(school_id=school.pk)
    # Thousands of rows here: one aggregate pass each over invoices and payments, in one query.
    invoice_figures = payment_figures = _figures(school_id=school.pk, period=period, today=today)
    count = invoice_figures["invoice_count"]
    num_pages = max(1, ceil(count / page_size))
    if page > num_pages:
        raise NotFound(gettext("That page does not exist."))
    opening, closing = _balances(invoice_figures, payment_figures)
    students = Student.objects.filter(school_id=school.pk).aggregate(
        total=Count("*"), active=Count("is_active", filter=Q(is_active=True))
    )

    offset = (page - 1) * page_size
    rows = (
        invoices.filter(period.bounds("due_date"))
        .annotate(current_status=current_status_expression(today))
        .order_by("due_date", "number")
        .values("id", "number", "student_id", "student__first_name", "student__last_name",
                "description", "amount", "paid_amount", "due_date", "current_status", *rules.CREDIT_FIELDS)
        [offset:offset + page_size]
    )
    invoice_list = []
    for row in rows:
        row["status"] = row["current_status"]
        invoice_list.append(statement_invoice_row(
            row, status=row["status"], student_id=row["student_id"],
            student_name=f"{row['student__first_name']} {row['student__last_name']}".strip(),
        ))

    daily: dict[date, dict] = {}

    def day(d: date) -> dict:
        return daily.setdefault(
            d, {"date": d, "charges": ZERO, "credits": ZERO, "invoices": 0, "payments": 0}
        )

    for d, total, n in (
        invoices.filter(_COUNTABLE & period.bounds("due_date"))
        .values("due_date").annotate(total=Sum("amount"), n=Count("*"))
        .values_list("due_date", "total", "n")
    ):
        day(d).update(charges=total, invoices=n)
    for d, total, n in (
        payments.filter(period.bounds("payment_date"))
        .values("payment_date").annotate(total=Sum("amount"), n=Count("*"))
        .values_list("payment_date", "total", "n")
    ):
        day(d).update(credits=total, payments=n)
    # Corrections on their own dates: credit notes lower the day's debt; reversed payments and
    # refunds raise it back (charges of that day, as on a bank statement). One query for the three.
    for d, charges, credits in _school_corrections_by_day(school.pk, period):
        day(d)["charges"] += charges
        day(d)["credits"] += credits
    movements = _with_running_balance(
        opening, [daily[d] for d in sorted(daily)], charge="charges", credit="credits"
    )

    return {
        "school_id": school.pk,
        "school_name": school.name,
        "period": period.as_dict(),
        "summary": {
            "total_students": students["total"],
            "active_students": students["active"],
            **_summary(invoice_figures),
        },
        "opening_balance": opening,
        "closing_balance": closing,
        "invoices": invoice_list,
        "invoices_page": {"count": count, "page": page, "page_size": page_size, "num_pages": num_pages},
        "movements": movements,
        "generated_at": _generated_at(),
    }
