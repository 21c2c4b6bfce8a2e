"""Every spelling of the invoice rules gives the same answers (billing.rules).

One table of invoices, each with its status, pending and overdue amounts written out by hand, run
through every spelling of the rule: Python, the ORM annotation and filters, the SQL text, the
statement's single SQL query, the report views and selectors, the dashboard, the AI's KPIs, the
admin lists and the overdue sweep. Then one table of schools for the collection rate. The suite
runs this file on SQLite and on PostgreSQL (DATABASE_URL), so both databases are held to it.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import connection
from django.test import RequestFactory

from accounting.selectors import Period, student_statement_get
from ai_agent import selectors as ai_selectors
from ai_agent.risk import risk_metrics_compute
from backoffice.dashboard import dashboard_get
from billing import rules
from billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from billing.services import invoice_overdue_sweep
from core.dates import local_today
from core.money import ZERO, to_cents
from reports import selectors as report_selectors
from reports.models import InvoiceDetail, OverdueInvoice, SchoolSummary, StudentBalance
from students.models import Student
from tests.billing.factories import InvoiceFactory, PaymentFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

S = InvoiceStatus
D = Decimal
ONE_DAY = datetime.timedelta(days=1)
from reports.sqlviews import SQL_DIR, VIEW_DEFINITIONS  # noqa: E402


@dataclass(frozen=True)
class Case:
    name: str
    amount: str
    paid: str
    due_in_days: int  # due date relative to today: -1 yesterday, 0 today, 1 tomorrow
    stored: str  # what the last write (or sweep) left in the status column
    status: str  # expected, derived today
    pending: str
    overdue: str
    credited: str = "0.00"


CASES = [
    Case("cancelled, past due", "500.00", "0.00", -40, S.CANCELLED, S.CANCELLED, "0.00", "0.00"),
    Case("cancelled, not yet due", "500.00", "0.00", 10, S.CANCELLED, S.CANCELLED, "0.00", "0.00"),
    Case("paid exactly, past due", "750.50", "750.50", -30, S.PAID, S.PAID, "0.00", "0.00"),
    Case("paid exactly, not yet due", "200.00", "200.00", 5, S.PAID, S.PAID, "0.00", "0.00"),
    Case("partial, not yet due", "1000.00", "400.00", 7, S.PARTIAL, S.PARTIAL, "600.00", "0.00"),
    Case("partial, due today", "1000.00", "0.01", 0, S.PARTIAL, S.PARTIAL, "999.99", "0.00"),
    Case("overdue partial, not swept", "1000.00", "250.25", -1, S.PARTIAL, S.OVERDUE, "749.75", "749.75"),
    Case("overdue partial, swept", "300.00", "100.00", -61, S.OVERDUE, S.OVERDUE, "200.00", "200.00"),
    Case("one cent left, overdue", "100.00", "99.99", -3, S.PARTIAL, S.OVERDUE, "0.01", "0.01"),
    Case("zero paid, due today", "450.00", "0.00", 0, S.PENDING, S.PENDING, "450.00", "0.00"),
    Case("zero paid, due tomorrow", "450.00", "0.00", 1, S.PENDING, S.PENDING, "450.00", "0.00"),
    Case("zero paid, due yesterday", "450.00", "0.00", -1, S.PENDING, S.OVERDUE, "450.00", "450.00"),
    Case("zero paid, 120 days past due, swept", "1234.56", "0.00", -120, S.OVERDUE, S.OVERDUE,
         "1234.56", "1234.56"),
]

# CREDIT NOTES HOOK: when billing.rules.CREDITED_FIELD is set (Invoice.credited_amount exists),
# add these to CASES (InvoiceFactory then writes credited_amount) and update the SQL views.
CREDITED_CASES = [
    Case("credited in full", "500.00", "0.00", -10, S.PENDING, S.PAID, "0.00", "0.00", credited="500.00"),
    Case("paid and credited in full", "500.00", "300.00", 5, S.PARTIAL, S.PAID, "0.00", "0.00",
         credited="200.00"),
    Case("credited in part, not yet due", "500.00", "0.00", 5, S.PENDING, S.PARTIAL, "400.00", "0.00",
         credited="100.00"),
    Case("credited in part, overdue", "500.00", "100.00", -5, S.PARTIAL, S.OVERDUE, "300.00", "300.00",
         credited="100.00"),
]
if rules.CREDITED_FIELD:
    CASES = CASES + CREDITED_CASES


@pytest.fixture
def books():
    """One school; one student per case, each with exactly that invoice; a second school's noise."""
    today = local_today()
    school = SchoolFactory(name="Colegio Reglas")
    rows = []
    for case in CASES:
        student = StudentFactory(school=school, first_name=case.name.replace(",", ""))
        extra = {rules.CREDITED_FIELD: D(case.credited)} if rules.CREDITED_FIELD else {}
        invoice = InvoiceFactory(
            student=student, amount=D(case.amount), paid_amount=D(case.paid), status=case.stored,
            due_date=today + datetime.timedelta(days=case.due_in_days), **extra,
        )
        if D(case.paid):
            PaymentFactory(invoice=invoice, amount=D(case.paid), payment_date=today - ONE_DAY)
        rows.append((case, invoice, student))
    # Another school's overdue invoice: no spelling scoped to `school` may count it.
    InvoiceFactory(amount=D("999.00"), due_date=today - datetime.timedelta(days=5))
    return today, school, rows


def _expected(rows, attribute):
    return {invoice.pk: getattr(case, attribute) for case, invoice, _student in rows}


def _as_str(values: dict) -> dict:
    return {key: value if isinstance(value, str) else str(to_cents(value)) for key, value in values.items()}


def _raw(columns: str, school, *, params=(), where: str = "", where_params=()) -> dict:
    """{invoice id: value} of `SELECT i.id, <columns> FROM billing_invoice i` over one school's rows."""
    school_id = Invoice._meta.get_field("school").get_db_prep_value(school.pk, connection)
    sql = f"SELECT i.id, {columns} FROM {Invoice._meta.db_table} i WHERE i.school_id = %s"
    if where:
        sql += f" AND {where}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, school_id, *where_params])
        return {Invoice._meta.pk.to_python(pk): value for pk, value in cursor.fetchall()}


# --- status --------------------------------------------------------------------------------------


def test_status_is_the_same_in_every_spelling(books):
    today, school, rows = books
    expected = _expected(rows, "status")
    ids = list(expected)
    spellings = {}

    spellings["python"] = {
        invoice.pk: rules.invoice_status_derive(
            amount=D(case.amount), paid_amount=D(case.paid), due_date=invoice.due_date,
            cancelled=case.stored == S.CANCELLED, today=today, credited_amount=D(case.credited),
        )
        for case, invoice, _ in rows
    }
    spellings["python, model instance"] = {
        invoice.pk: rules.invoice_current_status(Invoice.objects.get(pk=invoice.pk), today=today)
        for _, invoice, _ in rows
    }
    spellings["ORM annotation"] = dict(
        Invoice.objects.filter(pk__in=ids).with_current_status(today).values_list("pk", "current_status")
    )
    spellings["ORM filters"] = {
        pk: status
        for status in S.values
        for pk in Invoice.objects.filter(pk__in=ids).with_status(status, today).values_list("pk", flat=True)
    }
    spellings["SQL CASE"] = _raw(rules.status_case_sql("i"), school, params=[today])
    spellings["student statement"] = {}
    for _, _invoice, student in rows:
        statement = student_statement_get(student=student, period=Period(), today=today)
        spellings["student statement"].update({row["id"]: row["status"] for row in statement["invoices"]})
    details = report_selectors.invoice_detail_list(school_ids=[school.pk], today=today)
    spellings["invoice details report"] = dict(details.values_list("id", "current_status"))
    spellings["invoice details report, ?status="] = {
        pk: status for status in S.values
        for pk in InvoiceDetail.objects.filter(school_id=school.pk).with_status(status, today)
        .values_list("id", flat=True)
    }
    admin_rows = _admin_changelist_queryset(Invoice).filter(pk__in=ids)
    spellings["invoice admin"] = dict(admin_rows.values_list("pk", "current_status"))

    for name, answers in spellings.items():
        assert answers == expected, name


def test_the_sweep_marks_what_the_rule_calls_overdue_and_nothing_else(books):
    today, school, rows = books
    would_mark = [invoice.pk for case, invoice, _ in rows
                  if case.status == S.OVERDUE and case.stored in (S.PENDING, S.PARTIAL)]
    counts = {school.pk: len(would_mark)}
    assert invoice_overdue_sweep(school_ids=[school.pk], as_of=today, dry_run=True) == counts
    assert invoice_overdue_sweep(school_ids=[school.pk], as_of=today) == counts
    stored = dict(Invoice.objects.filter(school=school).values_list("pk", "status"))
    for case, invoice, _ in rows:
        assert stored[invoice.pk] == (S.OVERDUE if invoice.pk in would_mark else case.stored), case.name


# --- pending and overdue amounts -----------------------------------------------------------------


def test_pending_amount_is_the_same_in_every_spelling(books):
    today, school, rows = books
    expected = _expected(rows, "pending")
    ids = list(expected)
    invoices = {invoice.pk: Invoice.objects.get(pk=invoice.pk) for _, invoice, _ in rows}
    student_of = {student.pk: invoice.pk for _, invoice, student in rows}
    spellings = {
        "python": {pk: rules.invoice_pending_amount(invoice) for pk, invoice in invoices.items()},
        "model property": {pk: invoice.pending_amount for pk, invoice in invoices.items()},
    }
    spellings["SQL text"] = _raw(rules.pending_amount_sql("i"), school)
    spellings["invoice details view"] = dict(
        InvoiceDetail.objects.filter(pk__in=ids).values_list("pk", "pending_amount")
    )
    spellings["student statement, invoices"] = {}
    spellings["student statement, total_pending"] = {}
    for _, invoice, student in rows:
        statement = student_statement_get(student=student, period=Period(), today=today)
        spellings["student statement, invoices"].update(
            {row["id"]: row["pending_amount"] for row in statement["invoices"]}
        )
        spellings["student statement, total_pending"][invoice.pk] = statement["summary"]["total_pending"]
    spellings["student balance view"] = {
        student_of[row.student_id]: row.total_pending
        for row in StudentBalance.objects.filter(school_id=school.pk)
    }
    spellings["student admin"] = {
        student_of[pk]: value
        for pk, value in _admin_changelist_queryset(Student).filter(school=school)
        .values_list("pk", "pending_value")
    }
    spellings["invoice admin"] = dict(
        _admin_changelist_queryset(Invoice).filter(pk__in=ids).values_list("pk", "pending_value")
    )
    open_rows = dict(OverdueInvoice.objects.filter(school_id=school.pk).values_list("pk", "pending_amount"))
    spellings["open invoices view"] = {pk: open_rows.get(pk, ZERO) for pk in ids}
    superuser = UserFactory(is_superuser=True, is_staff=True)
    spellings["AI open invoices"] = {invoice.pk: ZERO for _, invoice, _ in rows}
    spellings["AI student balances"] = {}
    balances = ai_selectors.student_balances_get(
        student_ids=[student.pk for _, _, student in rows], school_ids=[school.pk], today=today
    )
    for _, invoice, student in rows:
        for row in ai_selectors.student_open_invoices_list(
            user=superuser, student_id=student.pk, today=today
        ):
            assert row.number == invoice.number
            spellings["AI open invoices"][invoice.pk] = row.pending
        spellings["AI student balances"][invoice.pk] = balances[student.pk].pending

    for name, answers in spellings.items():
        assert _as_str(answers) == expected, name

    total = sum((D(case.pending) for case, _, _ in rows), ZERO)
    totals = {
        "school summary view": SchoolSummary.objects.get(school_id=school.pk).total_pending,
        "report KPIs": report_selectors.school_kpis_get(school_ids=[school.pk], today=today)["total_pending"],
        "dashboard": dashboard_get(school_ids=[school.pk], today=today)["kpis"]["pending"]["total"],
        "AI KPIs": _ai_kpis(school, today)["totals"]["pending"],
    }
    for name, value in totals.items():
        assert to_cents(value) == total, name


def test_overdue_amount_is_the_same_in_every_spelling(books):
    today, school, rows = books
    expected = _expected(rows, "overdue")
    ids = list(expected)
    student_of = {student.pk: invoice.pk for _, invoice, student in rows}
    spellings = {
        "python": {
            invoice.pk: rules.overdue_amount_derive(
                amount=D(case.amount), paid_amount=D(case.paid), due_date=invoice.due_date,
                cancelled=case.stored == S.CANCELLED, today=today, credited_amount=D(case.credited),
            )
            for case, invoice, _ in rows
        },
    }
    overdue_orm = dict(
        Invoice.objects.filter(pk__in=ids).filter(rules.overdue_q(today))
        .annotate(balance=rules.balance_expression()).values_list("pk", "balance")
    )
    spellings["ORM filter and balance"] = {pk: overdue_orm.get(pk, ZERO) for pk in ids}
    overdue_sql = _raw(rules.balance_sql("i"), school, where=rules.overdue_sql("i"), where_params=[today])
    spellings["SQL text"] = {pk: overdue_sql.get(pk, ZERO) for pk in ids}
    spellings["student statement, total_overdue"] = {
        invoice.pk: student_statement_get(student=student, period=Period(), today=today)["summary"][
            "total_overdue"
        ]
        for _, invoice, student in rows
    }
    overdue_report = dict(
        report_selectors.overdue_invoice_list(school_ids=[school.pk], today=today)
        .values_list("pk", "pending_amount")
    )
    spellings["overdue invoices report"] = {pk: overdue_report.get(pk, ZERO) for pk in ids}
    spellings["student balance report"] = {
        student_of[row.student_id]: row.total_overdue
        for row in report_selectors.student_balance_list(school_ids=[school.pk], today=today)
    }
    spellings["student admin"] = {
        student_of[pk]: value
        for pk, value in _admin_changelist_queryset(Student).filter(school=school)
        .values_list("pk", "overdue_value")
    }
    balances = ai_selectors.student_balances_get(
        student_ids=list(student_of), school_ids=[school.pk], today=today
    )
    spellings["AI student balances"] = {student_of[pk]: balance.overdue for pk, balance in balances.items()}
    spellings["AI risk metrics"] = {
        invoice.pk: risk_metrics_compute(
            ai_selectors.student_invoice_history_list(student_id=student.pk), today=today
        ).overdue_amount
        for _, invoice, student in rows
    }

    for name, answers in spellings.items():
        assert _as_str(answers) == expected, name

    flagged = {
        student_of[row.student_id]: row.has_overdue
        for row in report_selectors.student_balance_list(school_ids=[school.pk], today=today)
    }
    assert flagged == {invoice.pk: case.status == S.OVERDUE for case, invoice, _ in rows}

    overdue_cases = [case for case, _, _ in rows if case.status == S.OVERDUE]
    total = sum((D(case.overdue) for case in overdue_cases), ZERO)
    dashboard = dashboard_get(school_ids=[school.pk], today=today)["kpis"]["overdue"]
    ai = _ai_kpis(school, today)["totals"]
    report = report_selectors.school_kpis_get(school_ids=[school.pk], today=today)
    assert (dashboard["total"], dashboard["count"]) == (total, len(overdue_cases))
    assert (ai["overdue"], ai["overdue_invoices"]) == (total, len(overdue_cases))
    assert (report["total_overdue"], report["overdue_invoice_count"]) == (total, len(overdue_cases))
    summary = report_selectors.school_summary_list(school_ids=[school.pk], today=today).get()
    assert summary.total_overdue == total
    aging = report_selectors.aging_bucket_list(school_ids=[school.pk], today=today)
    assert sum((row["total_pending"] for row in aging), ZERO) == total
    assert sum(row["invoice_count"] for row in aging) == len(overdue_cases)


def test_the_views_spell_the_rules_sql(books):
    """The report views keep their own SQL; it must be the rule's text, on both databases."""

    latest = VIEW_DEFINITIONS[-1][1]

    def view_sql(name: str) -> str:
        text = (SQL_DIR / f"{latest[f'reports_{name}']}.{connection.vendor}.sql").read_text()
        text = re.sub(r"--[^\n]*", " ", text)
        return re.sub(r"\s+", " ", text)

    assert rules.pending_amount_sql("i") in view_sql("invoice_details")
    assert f"WHERE {rules.countable_sql('i')} AND {rules.unsettled_sql('i')}" in view_sql("overdue_invoices")
    assert rules.balance_sql("i") in view_sql("overdue_invoices")
    assert rules.balance_sql("i") in view_sql("student_balance")
    assert rules.unsettled_sql("i") in view_sql("student_balance")  # oldest_unpaid_due_date
    for name in ("student_balance", "school_summary", "monthly_revenue"):
        assert rules.countable_sql("i") in view_sql(name), name
    placeholders = {"invoiced": "inv.total_invoiced", "collected": "inv.total_collected",
                    "invoiced_cents": "t.invoiced_cents", "collected_cents": "t.collected_cents"}
    assert rules.COLLECTION_RATE_SQL[connection.vendor].format(**placeholders) in view_sql("school_summary")


# --- aging of the overdue debt -------------------------------------------------------------------

# (days past due, amount, expected bucket); None: not overdue (due today, or paid).
AGING_CASES = [
    (1, "1.00", "0-30"), (30, "2.00", "0-30"), (31, "4.00", "31-60"), (60, "8.00", "31-60"),
    (61, "16.00", "61-90"), (90, "32.00", "61-90"), (91, "64.00", "90+"), (400, "128.00", "90+"),
    (0, "256.00", None),
]


def test_aging_buckets_are_the_same_in_every_spelling():
    today = local_today()
    school = SchoolFactory()
    expected = {}
    for days, amount, bucket in AGING_CASES:
        invoice = InvoiceFactory(student=StudentFactory(school=school), amount=D(amount),
                                 due_date=today - datetime.timedelta(days=days))
        expected[invoice.pk] = bucket
    # Paid long ago: in no bucket.
    InvoiceFactory(student=StudentFactory(school=school), amount=D("512.00"), paid_amount=D("512.00"),
                   status=S.PAID, due_date=today - datetime.timedelta(days=100))
    overdue_only = {pk: bucket for pk, bucket in expected.items() if bucket}

    def bucket_of(due: datetime.date) -> str:
        for name in rules.AGING_BUCKET_NAMES:
            earliest, latest = rules.aging_due_range(name, today)
            if (earliest is None or earliest <= due) and due <= latest:
                return name
        raise AssertionError(f"{due} is in no bucket")

    spellings = {
        "python": {
            pk: bucket_of(due)
            for pk, due in Invoice.objects.filter(school=school).overdue(today).values_list("pk", "due_date")
        },
        "overdue report": dict(
            report_selectors.overdue_invoice_list(school_ids=[school.pk], today=today)
            .values_list("pk", "aging_bucket")
        ),
    }
    changelist = admin_site._registry[Invoice]
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    overdue_filter = next(f for f in changelist.list_filter if getattr(f, "parameter_name", "") == "overdue")
    spellings["invoice admin filter"] = {
        pk: name
        for name in rules.AGING_BUCKET_NAMES
        for pk in overdue_filter(request, {"overdue": [name]}, Invoice, changelist)
        .queryset(request, Invoice.objects.filter(school=school)).values_list("pk", flat=True)
    }
    for name, answers in spellings.items():
        assert answers == overdue_only, name

    amounts = {name: ZERO for name in rules.AGING_BUCKET_NAMES}
    for _days, amount, bucket in AGING_CASES:
        if bucket:
            amounts[bucket] += D(amount)
    sums = {
        "report": {row["bucket"]: row["total_pending"]
                   for row in report_selectors.aging_bucket_list(school_ids=[school.pk], today=today)},
        "dashboard": {row["bucket"]: row["amount"]
                      for row in dashboard_get(school_ids=[school.pk], today=today)["aging"]},
        "AI KPIs": _ai_kpis(school, today)["totals"]["aging"],
    }
    for name, answers in sums.items():
        assert answers == amounts, name


# --- collection rate -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateCase:
    name: str
    invoiced: tuple[str, ...]
    collected: tuple[str, ...]  # one payment per invoice, in order; "0.00": none
    rate: Decimal | None


RATE_CASES = [
    RateCase("nothing invoiced", (), (), None),
    RateCase("nothing collected", ("500.00",), ("0.00",), D("0.00")),
    RateCase("everything collected", ("500.00", "250.00"), ("500.00", "250.00"), D("100.00")),
    RateCase("a third", ("300.00",), ("100.00",), D("33.33")),
    RateCase("two thirds, rounds up", ("300.00",), ("200.00",), D("66.67")),
    RateCase("a tie at the third decimal rounds half up", ("800.00",), ("1.00",), D("0.13")),
    RateCase("another tie", ("800.00",), ("3.00",), D("0.38")),
    RateCase("one eighth", ("400.00", "400.00"), ("100.00", "0.00"), D("12.50")),
    RateCase("a tie at the second decimal", ("2000.00",), ("1.00",), D("0.05")),
]


def test_collection_rate_is_the_same_in_every_spelling():
    today = local_today()
    # Due this month and paid today: the dashboard's month figures cover exactly these.
    due = today.replace(day=1)
    schools = {}
    for case in RATE_CASES:
        school = SchoolFactory(name=case.name)
        schools[case.name] = school
        for amount, paid in zip(case.invoiced, case.collected, strict=True):
            stored = S.PAID if D(paid) == D(amount) else S.PARTIAL if D(paid) else S.PENDING
            invoice = InvoiceFactory(student=StudentFactory(school=school), amount=D(amount),
                                     paid_amount=D(paid), due_date=due, status=stored)
            if D(paid):
                Payment.objects.create(school=school, invoice=invoice, amount=D(paid), payment_date=today,
                                       method=PaymentMethod.CASH, number=f"R-{invoice.number}")
        # A cancelled invoice counts in neither figure.
        InvoiceFactory(student=StudentFactory(school=school), amount=D("900.00"), due_date=due,
                       status=S.CANCELLED)

    for case in RATE_CASES:
        school = schools[case.name]
        invoiced = sum((D(a) for a in case.invoiced), ZERO)
        collected = sum((D(c) for c in case.collected), ZERO)
        ai = _ai_kpis(school, today)
        report = report_selectors.school_kpis_get(school_ids=[school.pk], today=today)
        answers = {
            "python": rules.collection_rate(collected, invoiced),
            "school summary view": SchoolSummary.objects.get(school_id=school.pk).collection_rate,
            "report KPIs": report["collection_rate"],
            "dashboard": dashboard_get(school_ids=[school.pk], today=today)["kpis"]["collected"]["rate"],
            "AI KPIs": ai["totals"]["collection_rate"],
            "AI KPIs, per school": ai["schools"][0]["collection_rate"],
        }
        for name, rate in answers.items():
            assert rate == case.rate, (case.name, name, rate)
            # One precision for every rate: two decimals.
            assert rate is None or rate.as_tuple().exponent == -2, (case.name, name, rate)


# --- helpers -------------------------------------------------------------------------------------


def _admin_changelist_queryset(model):
    """The queryset an admin change list shows a superuser (with the list's annotations)."""
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    return admin_site._registry[model].get_queryset(request)


def _ai_kpis(school, today) -> dict:
    return ai_selectors.school_kpis_get(school_ids=[school.pk], date_from=None, date_to=None, today=today)
