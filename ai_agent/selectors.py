"""Reads behind the AI agent, every one scoped to the caller's schools.

The agent (rules or OpenAI) sees the data only through these functions: a school id list that
comes from `users.selectors.user_school_ids` (None: platform admin, every school) is applied in
SQL before anything is read, so neither a question nor a model's tool call can reach another
school's rows. All figures are SQL aggregates over Decimal columns.

Balances, overdue lists and top debtors come from the reports' selectors, open invoices from
billing's, students and schools from theirs; what is left here is specific to the agent: name
search that ignores accents, a student's payment dates for the risk rules, and period KPIs with
aging (reports.selectors.school_kpis_get and aging_bucket_list cover the whole history only).
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, DecimalField, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce

from billing import rules
from billing.models import Invoice, Payment
from billing.rules import collection_rate
from billing.selectors import invoice_list
from core.money import ZERO, to_cents
from reports.selectors import overdue_invoice_list, student_balance_list, top_debtor_list
from schools.models import School
from students.models import Student
from users.access import user_school_ids
from users.models import User
from users.selectors import school_get

# Days past due per aging bucket (billing.rules: the same buckets as the dashboard and the reports).
AGING_BUCKETS = rules.AGING_BUCKETS

_MONEY = DecimalField(max_digits=14, decimal_places=2)
_BALANCE = rules.balance_expression()


def _m(value) -> Decimal:
    """Aggregates come back as Decimal("1000") on SQLite: two decimals, whatever the database."""
    return to_cents(value)


def _money_sum(expression, condition: Q | None = None):
    return Coalesce(Sum(expression, filter=condition, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


# --- Scope ----------------------------------------------------------------------------------


def scoped_school_ids(*, user: User, school_id: UUID | None = None) -> list[UUID] | None:
    """The schools a read may cover: one visible school, or all of the caller's (None: every school).

    A `school_id` outside the caller's schools (or unknown) raises NotFound (404).
    """
    if school_id is not None:
        return [school_get(user=user, school_id=school_id).pk]
    return user_school_ids(user)


def _in_schools(queryset, school_ids: list[UUID] | None, field: str = "school_id"):
    return queryset if school_ids is None else queryset.filter(**{f"{field}__in": school_ids})


def school_names_list(*, school_ids: list[UUID] | None) -> list[tuple[UUID, str]]:
    return list(_in_schools(School.objects.all(), school_ids, "pk").values_list("pk", "name"))


# --- Students -------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: how names are compared ("Pérez" == "perez")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# One character class per unaccented letter, upper and lower case spelled out: PostgreSQL's
# case-insensitive regex does not fold accented letters under every collation.
_LETTER_CLASSES = {
    "a": "aáàâäAÁÀÂÄ",
    "e": "eéèêëEÉÈÊË",
    "i": "iíìîïIÍÌÎÏ",
    "o": "oóòôöOÓÒÔÖ",
    "u": "uúùûüUÚÙÛÜ",
    "n": "nñNÑ",
    "c": "cçCÇ",
}


def name_pattern(token: str) -> str:
    """A regex matching `token` whatever its accents and case; works on PostgreSQL and SQLite."""
    parts = []
    for ch in fold(token):
        if ch in _LETTER_CLASSES:
            parts.append(f"[{_LETTER_CLASSES[ch]}]")
        elif ch.isalnum():
            parts.append(f"[{ch}{ch.upper()}]" if ch.isalpha() else ch)
    return "".join(parts)


def name_tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^\w]+", fold(name)) if len(t) >= 2][:5]


def student_search_list(
    *, school_ids: list[UUID] | None, name: str, limit: int = 5
) -> list[Student]:
    """Students of these schools whose first or last name contains every word of `name`.

    Accent- and case-insensitive. An empty or one-letter name matches nobody.
    """
    tokens = name_tokens(name)
    if not tokens:
        return []
    condition = Q()
    for token in tokens:
        pattern = name_pattern(token)
        condition &= Q(first_name__iregex=pattern) | Q(last_name__iregex=pattern)
    students = _in_schools(Student.objects.select_related("school"), school_ids).filter(condition)
    return list(students.order_by("last_name", "first_name", "pk")[:limit])


@dataclass(frozen=True)
class StudentBalance:
    invoiced: Decimal
    paid: Decimal
    pending: Decimal
    overdue: Decimal
    oldest_overdue_due_date: date | None
    next_due_date: date | None


_EMPTY_BALANCE = StudentBalance(ZERO, ZERO, ZERO, ZERO, None, None)


def student_balances_get(
    *, student_ids: list[UUID], school_ids: list[UUID] | None, today: date
) -> dict[UUID, StudentBalance]:
    """Balance per student, read from the student-balance report in one query.

    Cancelled invoices count in no total (as the statements). The oldest unpaid due date is the
    start of the overdue debt when it has passed, else the next due date.
    """
    rows = (
        student_balance_list(school_ids=school_ids, today=today)
        .filter(student_id__in=student_ids)
        .values("student_id", "total_invoiced", "total_paid", "total_pending", "total_overdue",
                "oldest_unpaid_due_date")
    )
    balances = {sid: _EMPTY_BALANCE for sid in student_ids}
    for row in rows:
        oldest = row["oldest_unpaid_due_date"]
        balances[row["student_id"]] = StudentBalance(
            invoiced=_m(row["total_invoiced"]),
            paid=_m(row["total_paid"]),
            pending=_m(row["total_pending"]),
            overdue=_m(row["total_overdue"]),
            oldest_overdue_due_date=oldest if oldest and oldest < today else None,
            next_due_date=oldest if oldest and oldest >= today else None,
        )
    return balances


@dataclass(frozen=True)
class InvoiceRecord:
    """One non-cancelled invoice of a student, as the risk rules read it."""

    amount: Decimal
    paid_amount: Decimal
    due_date: date
    # Date of the last payment: for a fully paid invoice, the day it was settled.
    last_payment_date: date | None
    payments_count: int
    credited_amount: Decimal = ZERO  # read once billing.rules.CREDITED_FIELD exists

    @property
    def is_paid(self) -> bool:
        return rules.invoice_is_settled(self)

    @property
    def balance(self) -> Decimal:
        return rules.invoice_balance(self)


def student_invoice_history_list(*, student_id: UUID) -> list[InvoiceRecord]:
    """Every non-cancelled invoice of a student with its payment dates, in one query."""
    rows = (
        Invoice.objects.countable()
        .filter(student_id=student_id)
        .annotate(last_payment_date=Max("payments__payment_date"), payments_count=Count("payments"))
        .order_by("due_date", "pk")
        .values_list("amount", "paid_amount", "due_date", "last_payment_date", "payments_count",
                     *rules.CREDIT_FIELDS)
    )
    return [InvoiceRecord(*row) for row in rows]


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    description: str
    amount: Decimal
    paid_amount: Decimal
    pending: Decimal
    due_date: date
    status: str


def student_open_invoices_list(*, user: User, student_id: UUID, today: date) -> list[OpenInvoice]:
    """The student's invoices that still carry debt (not cancelled, not fully paid), oldest first."""
    rows = (
        invoice_list(user=user, today=today)
        .open()
        .filter(student_id=student_id)
        .order_by("due_date", "number")
        .values("number", "description", "amount", "paid_amount", "due_date", "current_status",
                *rules.CREDIT_FIELDS)
    )
    return [
        OpenInvoice(
            number=row["number"], description=row["description"], amount=row["amount"],
            paid_amount=row["paid_amount"], pending=rules.invoice_balance(row), due_date=row["due_date"],
            status=row["current_status"],
        )
        for row in rows
    ]


# --- Schools: KPIs, overdue lists, debtors --------------------------------------------------


def _invoices_in_period(school_ids, date_from: date | None, date_to: date | None):
    invoices = _in_schools(Invoice.objects.countable(), school_ids)
    if date_from:
        invoices = invoices.filter(due_date__gte=date_from)
    if date_to:
        invoices = invoices.filter(due_date__lte=date_to)
    return invoices


def _kpi_annotations(today: date) -> dict:
    overdue_q = rules.overdue_q(today)
    annotations = {
        "invoiced": _money_sum("amount"),
        "paid": _money_sum("paid_amount"),
        "pending": _money_sum(_BALANCE),
        "overdue": _money_sum(_BALANCE, overdue_q),
        "invoices": Count("pk"),
        "overdue_invoices": Count("pk", filter=overdue_q),
        "students_overdue": Count("student_id", filter=overdue_q, distinct=True),
    }
    for label, _first_day, _last_day in AGING_BUCKETS:
        annotations[f"aging_{label}"] = _money_sum(_BALANCE, overdue_q & rules.aging_bucket_q(label, today))
    return annotations


def _kpis_from_row(row: dict) -> dict:
    invoiced = _m(row["invoiced"])
    rate = collection_rate(_m(row["paid"]), invoiced)
    return {
        "invoiced": invoiced,
        "collected": _m(row["paid"]),
        "pending": _m(row["pending"]),
        "overdue": _m(row["overdue"]),
        "collection_rate": rate,
        "invoices": row["invoices"],
        "overdue_invoices": row["overdue_invoices"],
        "students_with_overdue": row["students_overdue"],
        "aging": {label: _m(row[f"aging_{label}"]) for label, _, _ in AGING_BUCKETS},
    }


def _empty_kpi_row() -> dict:
    row = {"invoiced": ZERO, "paid": ZERO, "pending": ZERO, "overdue": ZERO}
    row.update({"invoices": 0, "overdue_invoices": 0, "students_overdue": 0})
    row.update({f"aging_{label}": ZERO for label, _, _ in AGING_BUCKETS})
    return row


def school_kpis_get(
    *,
    school_ids: list[UUID] | None,
    date_from: date | None,
    date_to: date | None,
    today: date,
    max_schools: int = 50,
) -> dict:
    """KPIs of these schools for the invoices due in the period (no bounds: every invoice).

    - invoiced: amounts of the non-cancelled invoices due in the period;
    - collected: what has been paid on those invoices; collection_rate is that share
      of invoiced (billing.rules.collection_rate: percent, two decimals; None when nothing was invoiced);
    - payments_received: payments *dated* in the period (cash in, whatever invoice they paid);
    - pending / overdue: the unpaid part of those invoices / of those already past due today;
    - aging: the overdue part split by days past due (AGING_BUCKETS).
    Returns {"totals": {...}, "schools": [one row per school, at most `max_schools`, by name]}.
    Six queries whatever the number of schools and invoices.
    """
    annotations = _kpi_annotations(today)
    invoices = _invoices_in_period(school_ids, date_from, date_to)
    payments = _in_schools(Payment.objects.all(), school_ids)
    if date_from:
        payments = payments.filter(payment_date__gte=date_from)
    if date_to:
        payments = payments.filter(payment_date__lte=date_to)
    schools = _in_schools(School.objects.all(), school_ids, "pk")
    students = _in_schools(Student.objects.all(), school_ids)

    totals = _kpis_from_row(invoices.aggregate(**annotations))
    totals["payments_received"] = _m(payments.aggregate(total=_money_sum("amount"))["total"])
    totals.update(
        students.aggregate(
            students_total=Count("pk"), students_active=Count("pk", filter=Q(is_active=True))
        )
    )
    totals["schools"] = schools.count()

    shown = list(
        schools.annotate(
            students_total=Count("students", distinct=True),
            students_active=Count("students", filter=Q(students__is_active=True), distinct=True),
        ).order_by("name", "pk")[:max_schools]
    )
    shown_ids = [school.pk for school in shown]
    per_school = {
        row["school_id"]: row
        for row in invoices.filter(school_id__in=shown_ids)
        .values("school_id").annotate(**annotations).order_by()
    }
    received = dict(
        payments.filter(school_id__in=shown_ids)
        .values("school_id").annotate(total=_money_sum("amount")).order_by()
        .values_list("school_id", "total")
    )
    school_rows = [
        {
            "school_id": school.pk,
            "school_name": school.name,
            "students_total": school.students_total,
            "students_active": school.students_active,
            "payments_received": _m(received.get(school.pk)),
            **_kpis_from_row(per_school.get(school.pk) or _empty_kpi_row()),
        }
        for school in shown
    ]
    return {"totals": totals, "schools": school_rows}


def overdue_students_list(
    *, school_ids: list[UUID] | None, min_days: int, today: date, limit: int = 20
) -> tuple[list[dict], int]:
    """Students with invoices more than `min_days` days past due, largest amount first.

    Reads the overdue-invoices report. Amounts count only those invoices (the part older than
    `min_days`). Returns (rows, total number of such students) so an answer can say "and N more".
    """
    cutoff = today - timedelta(days=max(min_days, 0))
    invoices = overdue_invoice_list(school_ids=school_ids, today=today).filter(due_date__lt=cutoff).order_by()
    grouped = (
        invoices.values("student_id", "student_name", "school_id", "school_name")
        .annotate(overdue=Sum("pending_amount"), oldest_due_date=Min("due_date"), invoices=Count("id"))
        .order_by("-overdue", "student_name", "student_id")
    )
    total = invoices.values("student_id").distinct().count()
    rows = [
        {
            "student_id": row["student_id"],
            "student_name": row["student_name"],
            "school_id": row["school_id"],
            "school_name": row["school_name"],
            "overdue": _m(row["overdue"]),
            "oldest_due_date": row["oldest_due_date"],
            "days_overdue": (today - row["oldest_due_date"]).days,
            "invoices": row["invoices"],
        }
        for row in grouped[:limit]
    ]
    return rows, total


def top_debtors_list(*, school_ids: list[UUID] | None, today: date, limit: int = 5) -> list[dict]:
    """Students with the largest pending balance (overdue or not), from the student-balance report."""
    return [
        {
            "student_id": row.student_id,
            "student_name": row.student_name,
            "school_id": row.school_id,
            "school_name": row.school_name,
            "pending": _m(row.total_pending),
            "overdue": _m(row.total_overdue),
        }
        for row in top_debtor_list(school_ids=school_ids, limit=limit, today=today)
    ]
