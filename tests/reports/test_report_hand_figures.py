"""Every report's figures on a small book of accounts, against numbers worked out by hand.

tests/reports/test_report_figures.py checks the reports against a second computation in Python;
here the expected figures are literals, written from the arithmetic in the comments below, so a
wrong rule shared by both computations still fails. The dates are fixed (2025), and every figure
that depends on "today" is asked for with TODAY, so the numbers never move.

The book (school "Colegio Libro", payments accepted from 2025-01-01), with TODAY = 2025-04-15:

    invoice  student  amount   due         paid                     credited  balance  status
    I1       Ana      1000.00  2025-01-31  400 (P1; P4's 200 rev.)  0         600.00   OVERDUE, 74 days
    I2       Ana       500.00  2025-02-28  500 (P2)                 0           0.00   PAID
    I3       Ana       800.00  2025-05-31  0                        0         800.00   PENDING
    I4       Beto      600.00  2025-03-10  100 (P3)                 50 (CN)   450.00   OVERDUE, 36 days
    I5       Beto      300.00  2025-02-10  -                        -              -   CANCELLED
    I6       Carla     200.00  2025-01-05  0                        0         200.00   OVERDUE, 100 days
    I7       Beto      150.00  2025-04-01  0                        0         150.00   OVERDUE, 14 days

    P1 400.00 on 2025-01-20 (I1), P2 500.00 on 2025-02-25 (I2), P3 100.00 on 2025-03-05 (I4),
    P4 200.00 on 2025-03-05 (I1), reversed on 2025-04-02.
    Carla is inactive; Dani has no invoice. Another school's invoice must appear nowhere.

Days overdue: I1 Jan 31 -> Apr 15 = 28 (Feb) + 31 (Mar) + 15 = 74; I4 Mar 10 -> Apr 15 = 21 + 15 = 36;
I6 Jan 5 -> Apr 15 = 26 + 28 + 31 + 15 = 100; I7 Apr 1 -> Apr 15 = 14.
"""

from datetime import date
from decimal import Decimal

import pytest

from billing import corrections, services
from reports import selectors
from students.services import student_deactivate
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 4, 15)
D = Decimal


@pytest.fixture
def book():
    school = SchoolFactory(name="Colegio Libro", earliest_payment_date=date(2025, 1, 1))
    ana = StudentFactory(school=school, first_name="Ana", last_name="Uno")
    beto = StudentFactory(school=school, first_name="Beto", last_name="Dos")
    carla = StudentFactory(school=school, first_name="Carla", last_name="Tres")
    StudentFactory(school=school, first_name="Dani", last_name="Cuatro")

    def invoice(student, amount, due):
        return services.invoice_create(
            student_id=student.pk, amount=D(amount), due_date=date.fromisoformat(due)
        )

    def pay(target, amount, day):
        return services.payment_record(
            invoice_id=target.pk, amount=D(amount), method="CASH", payment_date=date.fromisoformat(day)
        )

    i1 = invoice(ana, "1000.00", "2025-01-31")
    i2 = invoice(ana, "500.00", "2025-02-28")
    i3 = invoice(ana, "800.00", "2025-05-31")
    i4 = invoice(beto, "600.00", "2025-03-10")
    i5 = invoice(beto, "300.00", "2025-02-10")
    i6 = invoice(carla, "200.00", "2025-01-05")
    i7 = invoice(beto, "150.00", "2025-04-01")
    pay(i1, "400.00", "2025-01-20")
    pay(i2, "500.00", "2025-02-25")
    pay(i4, "100.00", "2025-03-05")
    p4 = pay(i1, "200.00", "2025-03-05")
    corrections.payment_reverse(payment_id=p4.pk, reason="BOUNCED_CHECK", reversal_date=date(2025, 4, 2))
    corrections.credit_note_issue(invoice_id=i4.pk, amount=D("50.00"), reason="Beca")
    services.invoice_cancel(invoice_id=i5.pk)
    student_deactivate(student_id=carla.pk)

    other_school = SchoolFactory(earliest_payment_date=date(2025, 1, 1))
    stranger = invoice(StudentFactory(school=other_school), "999.00", "2025-01-10")
    pay(stranger, "99.00", "2025-01-20")

    return type("Book", (), {
        "school": school, "ids": [school.pk],
        "numbers": {name: inv.number for name, inv in
                    {"I1": i1, "I2": i2, "I3": i3, "I4": i4, "I5": i5, "I6": i6, "I7": i7}.items()},
    })


def test_student_balances(book):
    rows = selectors.student_balance_list(school_ids=book.ids, today=TODAY)

    got = [
        (r.student_name, r.is_active, r.invoice_count, r.total_invoiced, r.total_paid, r.total_pending,
         r.total_overdue, r.has_overdue, r.oldest_unpaid_due_date)
        for r in rows
    ]
    assert got == [
        # Ana: I1 + I2 + I3 = 2300; paid 400 + 500; pending 600 + 800; overdue I1's 600.
        ("Ana Uno", True, 3, D("2300.00"), D("900.00"), D("1400.00"), D("600.00"), True, date(2025, 1, 31)),
        # Beto: I4 + I7 = 750 (I5 cancelled); paid 100; pending 450 + 150, both overdue.
        ("Beto Dos", True, 2, D("750.00"), D("100.00"), D("600.00"), D("600.00"), True, date(2025, 3, 10)),
        ("Carla Tres", False, 1, D("200.00"), D("0.00"), D("200.00"), D("200.00"), True, date(2025, 1, 5)),
        ("Dani Cuatro", True, 0, D("0.00"), D("0.00"), D("0.00"), D("0.00"), False, None),
    ]


def test_school_summary(book):
    (row,) = selectors.school_summary_list(school_ids=book.ids, today=TODAY)

    assert (row.students_total, row.students_active, row.invoice_count) == (4, 3, 6)
    assert row.total_invoiced == D("3250.00")  # 2300 + 750 + 200
    assert row.total_collected == D("1000.00")  # 900 + 100 (P4 reversed)
    assert row.total_pending == D("2200.00")  # 3250 - 1000 - 50 credited
    assert row.total_overdue == D("1400.00")  # 600 + 450 + 150 + 200
    assert row.collection_rate == D("30.77")  # 1000 / 3250 = 30.769...%, half up


def test_invoice_details(book):
    rows = selectors.invoice_detail_list(school_ids=book.ids, today=TODAY)

    got = {r.number: (r.current_status, r.pending_amount, r.days_overdue) for r in rows}
    n = book.numbers
    assert got == {
        n["I1"]: ("OVERDUE", D("600.00"), 74),
        n["I2"]: ("PAID", D("0.00"), 0),
        n["I3"]: ("PENDING", D("800.00"), 0),
        n["I4"]: ("OVERDUE", D("450.00"), 36),
        n["I5"]: ("CANCELLED", D("0.00"), 0),
        n["I6"]: ("OVERDUE", D("200.00"), 100),
        n["I7"]: ("OVERDUE", D("150.00"), 14),
    }


def test_overdue_invoices_most_overdue_first(book):
    rows = selectors.overdue_invoice_list(school_ids=book.ids, today=TODAY)

    n = book.numbers
    assert [(r.number, r.pending_amount, r.days_overdue, r.aging_bucket) for r in rows] == [
        (n["I6"], D("200.00"), 100, "90+"),
        (n["I1"], D("600.00"), 74, "61-90"),
        (n["I4"], D("450.00"), 36, "31-60"),
        (n["I7"], D("150.00"), 14, "0-30"),
    ]


def test_payment_history_lists_every_payment_reversed_ones_included(book):
    rows = selectors.payment_history_list(school_ids=book.ids)

    n = book.numbers
    assert sorted((r.payment_date, r.amount, r.invoice_number, r.student_name) for r in rows) == [
        (date(2025, 1, 20), D("400.00"), n["I1"], "Ana Uno"),
        (date(2025, 2, 25), D("500.00"), n["I2"], "Ana Uno"),
        (date(2025, 3, 5), D("100.00"), n["I4"], "Beto Dos"),
        (date(2025, 3, 5), D("200.00"), n["I1"], "Ana Uno"),
    ]


def test_daily_collections_subtract_a_reversal_on_its_date(book):
    rows = selectors.daily_collection_list(school_ids=book.ids)

    assert [(r.collection_date, r.payment_count, r.total_amount) for r in rows] == [
        (date(2025, 4, 2), 0, D("-200.00")),  # P4 reversed
        (date(2025, 3, 5), 2, D("300.00")),  # P3 100 + P4 200
        (date(2025, 2, 25), 1, D("500.00")),
        (date(2025, 1, 20), 1, D("400.00")),
    ]


def test_monthly_revenue_by_due_month_and_payment_month(book):
    rows = selectors.monthly_revenue_list(school_ids=book.ids)

    got = [(r.month, r.invoice_count, r.total_invoiced, r.payment_count, r.total_collected) for r in rows]
    assert got == [
        ("2025-05", 1, D("800.00"), 0, D("0.00")),  # I3
        ("2025-04", 1, D("150.00"), 0, D("-200.00")),  # I7; P4's reversal
        ("2025-03", 1, D("600.00"), 2, D("300.00")),  # I4; P3 + P4
        ("2025-02", 1, D("500.00"), 1, D("500.00")),  # I2 (I5 cancelled); P2
        ("2025-01", 2, D("1200.00"), 1, D("400.00")),  # I1 + I6; P1
    ]


def test_revenue_by_month_in_a_range(book):
    rows = selectors.revenue_by_month_list(
        school_ids=book.ids, date_from=date(2025, 2, 10), date_to=date(2025, 4, 30)
    )

    assert [(r["month"], r["total_invoiced"], r["total_collected"]) for r in rows] == [
        ("2025-02", D("500.00"), D("500.00")),
        ("2025-03", D("600.00"), D("300.00")),
        ("2025-04", D("150.00"), D("-200.00")),
    ]


def test_school_kpis(book):
    kpis = selectors.school_kpis_get(school_ids=book.ids, today=TODAY)

    assert kpis == {
        "schools": 1,
        "students_total": 4,
        "students_active": 3,
        "invoice_count": 6,
        "total_invoiced": D("3250.00"),
        "total_collected": D("1000.00"),
        "total_pending": D("2200.00"),
        "total_overdue": D("1400.00"),
        "overdue_invoice_count": 4,
        "collection_rate": D("30.77"),
    }


def test_aging_buckets(book):
    buckets = selectors.aging_bucket_list(school_ids=book.ids, today=TODAY)

    assert [(b["bucket"], b["invoice_count"], b["total_pending"]) for b in buckets] == [
        ("0-30", 1, D("150.00")),
        ("31-60", 1, D("450.00")),
        ("61-90", 1, D("600.00")),
        ("90+", 1, D("200.00")),
    ]


def test_top_debtors(book):
    rows = selectors.top_debtor_list(school_ids=book.ids, today=TODAY)

    assert [(r.student_name, r.total_pending) for r in rows] == [
        ("Ana Uno", D("1400.00")), ("Beto Dos", D("600.00")), ("Carla Tres", D("200.00")),
    ]
