"""The summaries the admin dashboard and the AI agent read, scoped by school_ids."""

from decimal import Decimal

from reports import selectors
from tests.reports import expected


def test_school_kpis_sum_the_summaries_of_the_given_schools(dataset):
    rows = expected.school_summaries(dataset.today)
    a, b = rows[dataset.school_a.pk], rows[dataset.school_b.pk]

    both = [dataset.school_a.pk, dataset.school_b.pk]

    kpis = selectors.school_kpis_get(school_ids=both, today=dataset.today)

    assert kpis["schools"] == 2
    for key in ("students_total", "students_active", "invoice_count", "total_invoiced", "total_collected",
                "total_pending", "total_overdue"):
        assert kpis[key] == a[key] + b[key], key
    assert kpis["collection_rate"] == (
        (a["total_collected"] + b["total_collected"]) * 100 / (a["total_invoiced"] + b["total_invoiced"])
    ).quantize(Decimal("0.01"))


def test_school_kpis_of_a_school_without_invoices_are_zero_with_no_rate(dataset):
    kpis = selectors.school_kpis_get(school_ids=[dataset.empty_school.pk], today=dataset.today)

    assert (kpis["total_invoiced"], kpis["total_overdue"], kpis["collection_rate"]) == (0, 0, None)


def test_aging_buckets_split_overdue_debt_of_the_given_schools(dataset):
    overdue = [
        r for r in expected.overdue_invoices(dataset.today).values() if r["school_id"] == dataset.school_a.pk
    ]

    buckets = selectors.aging_bucket_list(school_ids=[dataset.school_a.pk], today=dataset.today)

    assert [b["bucket"] for b in buckets] == ["0-30", "31-60", "61-90", "90+"]
    for item in buckets:
        mine = [r for r in overdue if r["aging_bucket"] == item["bucket"]]
        assert item["invoice_count"] == len(mine)
        assert item["total_pending"] == sum((r["pending_amount"] for r in mine), Decimal("0.00"))


def test_top_debtors_are_the_largest_pending_balances_first(dataset):
    want = sorted(
        (r["total_pending"] for r in expected.student_balances(dataset.today).values()
         if r["total_pending"] > 0),
        reverse=True,
    )[:3]

    debtors = selectors.top_debtor_list(school_ids=None, limit=3, today=dataset.today)

    assert [d.total_pending for d in debtors] == want


def test_revenue_by_month_sums_the_schools_per_month(dataset):
    months = expected.monthly_revenue()
    start = dataset.today.replace(day=1)

    rows = selectors.revenue_by_month_list(school_ids=None, date_from=start, date_to=start)

    assert len(rows) == 1
    mine = [v for (school, month), v in months.items() if month == start]
    assert rows[0]["total_invoiced"] == sum((v["total_invoiced"] for v in mine), Decimal("0.00"))
    assert rows[0]["payment_count"] == sum(v["payment_count"] for v in mine)


def test_scoped_selectors_leave_out_other_schools(dataset):
    rows = selectors.student_balance_list(school_ids=[dataset.school_b.pk], today=dataset.today)

    assert {row.school_id for row in rows} == {dataset.school_b.pk}
