"""Each report's figures against the same figures computed independently (tests/reports/expected.py),
on the generated dataset. Runs on PostgreSQL and on SQLite, whichever DATABASE_URL names."""

from decimal import Decimal

from reports import selectors
from tests.reports import expected


def _pick(obj, keys):
    return {key: getattr(obj, key) for key in keys}


def test_student_balance_matches_invoices_of_each_student(dataset):
    want = expected.student_balances(dataset.today)

    rows = selectors.student_balance_list(school_ids=None, today=dataset.today)

    got = {row.pk: _pick(row, next(iter(want.values())).keys()) for row in rows}
    assert got == want


def test_student_balance_counts_students_without_invoices_at_zero(dataset):
    lonely = dataset.students[4]

    row = selectors.student_balance_list(school_ids=None, today=dataset.today).get(pk=lonely.pk)

    assert (row.invoice_count, row.total_invoiced, row.total_overdue) == (0, Decimal("0"), Decimal("0"))
    assert row.oldest_unpaid_due_date is None


def test_school_summary_matches_students_and_invoices_of_each_school(dataset):
    want = expected.school_summaries(dataset.today)

    rows = selectors.school_summary_list(school_ids=None, today=dataset.today)

    got = {row.pk: _pick(row, next(iter(want.values())).keys()) for row in rows}
    assert got == want
    assert got[dataset.empty_school.pk]["collection_rate"] is None


def test_invoice_details_match_every_invoice_with_status_derived_today(dataset):
    want = expected.invoice_details(dataset.today)

    rows = selectors.invoice_detail_list(school_ids=None, today=dataset.today)

    keys = [k for k in next(iter(want.values())) if k != "status"]
    got = {row.pk: {**_pick(row, keys), "status": row.current_status} for row in rows}
    assert got == want
    assert {"PAID", "PARTIAL", "PENDING", "OVERDUE", "CANCELLED"} <= {r["status"] for r in got.values()}


def test_overdue_invoices_are_the_unpaid_past_due_ones_with_days_and_bucket(dataset):
    want = expected.overdue_invoices(dataset.today)

    rows = selectors.overdue_invoice_list(school_ids=None, today=dataset.today)

    keys = ["number", "school_id", "student_id", "amount", "paid_amount", "pending_amount", "due_date",
            "days_overdue", "aging_bucket"]
    got = {row.pk: _pick(row, keys) for row in rows}
    assert got == {pk: {k: row[k] for k in keys} for pk, row in want.items()}
    assert {r["aging_bucket"] for r in got.values()} == {"0-30", "31-60", "61-90", "90+"}


def test_overdue_invoices_come_most_overdue_first(dataset):
    days = [row.days_overdue for row in selectors.overdue_invoice_list(school_ids=None, today=dataset.today)]

    assert days == sorted(days, reverse=True)


def test_payment_history_matches_every_payment(dataset):
    want = expected.payment_history()

    rows = selectors.payment_history_list(school_ids=None)

    got = {row.pk: _pick(row, next(iter(want.values())).keys()) for row in rows}
    assert got == want


def test_daily_collections_match_payments_grouped_by_school_and_day(dataset):
    want = expected.daily_collections()

    rows = selectors.daily_collection_list(school_ids=None)

    got = {(r.school_id, r.collection_date): _pick(r, ["payment_count", "total_amount"]) for r in rows}
    assert got == want


def test_monthly_revenue_matches_invoices_by_due_month_and_payments_by_paid_month(dataset):
    want = expected.monthly_revenue()

    rows = selectors.monthly_revenue_list(school_ids=None)

    keys = ["invoice_count", "total_invoiced", "payment_count", "total_collected"]
    got = {(r.school_id, r.month_start): _pick(r, keys) for r in rows}
    assert got == want
    assert all(r.month == r.month_start.strftime("%Y-%m") for r in rows)


def test_cancelled_invoices_count_in_no_total(dataset):
    cancelled_only = dataset.students[2]  # two cancelled invoices, one of them past due

    row = selectors.student_balance_list(school_ids=None, today=dataset.today).get(pk=cancelled_only.pk)

    assert (row.invoice_count, row.total_invoiced, row.total_pending, row.total_overdue) == (0, 0, 0, 0)
    assert not selectors.overdue_invoice_list(school_ids=None, today=dataset.today).filter(
        student_id=cancelled_only.pk
    ).exists()
