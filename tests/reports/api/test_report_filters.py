"""Each filter and ordering keeps exactly the rows it names (checked against tests/reports/expected.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.conftest import authenticated_client
from tests.reports import expected


@pytest.fixture
def client(admin_user):
    return authenticated_client(admin_user)


def _all(client, report, params) -> list[dict]:
    body = client.get(f"/api/v1/reports/{report}", {"page_size": 100, **params}).json()
    assert body["count"] == len(body["results"]), body
    return body["results"]


def test_min_pending_keeps_students_owing_at_least_that(dataset, client):
    balances = expected.student_balances(dataset.today)
    want = {str(pk) for pk, r in balances.items() if r["total_pending"] >= 1000}

    rows = _all(client, "students/balance", {"min_pending": "1000"})

    assert want and {r["student_id"] for r in rows} == want


@pytest.mark.parametrize("flag", [True, False])
def test_has_overdue_keeps_students_with_or_without_overdue_debt(dataset, client, flag):
    want = {str(pk) for pk, r in expected.student_balances(dataset.today).items() if r["has_overdue"] is flag}

    rows = _all(client, "students/balance", {"has_overdue": str(flag).lower()})

    assert want and {r["student_id"] for r in rows} == want


@pytest.mark.parametrize("status", ["PENDING", "PARTIAL", "PAID", "OVERDUE", "CANCELLED"])
def test_status_keeps_invoices_with_that_status_today(dataset, client, status):
    want = {str(pk) for pk, r in expected.invoice_details(dataset.today).items() if r["status"] == status}

    rows = _all(client, "invoices/details", {"status": status})

    assert want and {r["id"] for r in rows} == want


def test_due_date_range_keeps_invoices_due_inside_it(dataset, client):
    start, end = dataset.today - timedelta(days=45), dataset.today
    details = expected.invoice_details(dataset.today)
    want = {str(pk) for pk, r in details.items() if start <= r["due_date"] <= end}

    rows = _all(client, "invoices/details",
                {"due_date_from": start.isoformat(), "due_date_to": end.isoformat()})

    assert want and {r["id"] for r in rows} == want


@pytest.mark.parametrize("bucket", ["0-30", "31-60", "61-90", "90+"])
def test_aging_bucket_keeps_overdue_invoices_of_that_bucket(dataset, client, bucket):
    overdue = expected.overdue_invoices(dataset.today)
    want = {str(pk) for pk, r in overdue.items() if r["aging_bucket"] == bucket}

    rows = _all(client, "invoices/overdue", {"aging_bucket": bucket})

    assert want and {r["id"] for r in rows} == want
    assert {r["aging_bucket"] for r in rows} == {bucket}


def test_min_pending_on_overdue_invoices_compares_amounts(dataset, client):
    want = {str(pk) for pk, r in expected.overdue_invoices(dataset.today).items()
            if r["pending_amount"] >= Decimal("700")}

    rows = _all(client, "invoices/overdue", {"min_pending": "700"})

    assert want and {r["id"] for r in rows} == want


def test_method_and_date_range_keep_matching_payments(dataset, client):
    start = dataset.today - timedelta(days=60)
    want = {str(pk) for pk, r in expected.payment_history().items()
            if r["method"] == "CASH" and r["payment_date"] >= start}

    rows = _all(client, "payments/history", {"method": "CASH", "date_from": start.isoformat()})

    assert want and {r["id"] for r in rows} == want


def test_daily_collections_date_range_keeps_days_inside_it(dataset, client):
    start, end = dataset.today - timedelta(days=50), dataset.today - timedelta(days=2)
    want = {(str(s), d.isoformat()) for (s, d) in expected.daily_collections() if start <= d <= end}

    rows = _all(client, "collections/daily", {"date_from": start.isoformat(), "date_to": end.isoformat()})

    assert want and {(r["school_id"], r["date"]) for r in rows} == want


def test_monthly_revenue_date_range_keeps_the_months_it_touches(dataset, client):
    start = dataset.today - timedelta(days=40)
    months = expected.monthly_revenue()
    want = {(str(s), m.strftime("%Y-%m")) for (s, m) in months if m >= start.replace(day=1)}

    rows = _all(client, "revenue/monthly", {"date_from": start.isoformat()})

    assert want and {(r["school_id"], r["month"]) for r in rows} == want


@pytest.mark.parametrize(
    ("report", "ordering", "key"),
    [
        ("students/balance", "-total_overdue", "total_overdue"),
        ("students/balance", "student_name", "student_name"),
        ("schools/summary", "-collection_rate", "collection_rate"),
        ("invoices/details", "-days_overdue", "days_overdue"),
        ("invoices/details", "amount", "amount"),
        ("invoices/overdue", "days_overdue", "days_overdue"),
        ("invoices/overdue", "-pending_amount", "pending_amount"),
        ("payments/history", "amount", "amount"),
        ("collections/daily", "-total_amount", "total_amount"),
        ("revenue/monthly", "month", "month"),
    ],
)
def test_ordering_sorts_by_the_named_key(dataset, client, report, ordering, key):
    rows = _all(client, report, {"ordering": ordering})

    values = [r[key] for r in rows if r[key] is not None]
    assert len(values) > 1
    assert values == sorted(values, reverse=ordering.startswith("-"))


def test_search_finds_students_by_name(dataset, client):
    target = dataset.students[3]

    rows = _all(client, "students/balance", {"search": target.first_name.upper()})

    assert [r["student_id"] for r in rows] == [str(target.pk)]
