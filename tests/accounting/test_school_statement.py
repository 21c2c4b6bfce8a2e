import uuid
from decimal import Decimal

import pytest
from django.urls import resolve

from accounting.api.views import SchoolStatementApi, StudentStatementApi
from tests.accounting.conftest import days
from tests.billing.factories import InvoiceFactory, PaymentFactory
from tests.conftest import authenticated_client
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

SEED_KEYS = {"school_id", "school_name", "period", "summary", "invoices", "generated_at"}
SEED_SUMMARY_KEYS = {"total_students", "active_students", "total_invoiced", "total_paid", "total_pending",
                     "total_overdue"}
SEED_INVOICE_KEYS = {"id", "student_name", "amount", "paid_amount", "pending_amount", "status", "due_date"}


def url(school_id) -> str:
    return f"/api/v1/schools/{school_id}/statement"


def test_statement_has_every_key_of_the_seed_example(viewer, school, books):
    response = viewer.get(url(school.pk))

    assert response.status_code == 200
    data = response.json()
    assert SEED_KEYS <= set(data)
    assert SEED_SUMMARY_KEYS <= set(data["summary"])
    assert {"from", "to"} == set(data["period"])
    assert all(SEED_INVOICE_KEYS <= set(row) for row in data["invoices"])
    assert {"opening_balance", "closing_balance", "movements", "invoices_page"} <= set(data)


def test_summary_matches_the_hand_computed_totals_before_any_sweep(viewer, school, books):
    data = viewer.get(url(school.pk)).data

    assert data["school_name"] == school.name
    assert data["summary"] == {
        "total_students": 3,
        "active_students": 2,
        "total_invoiced": Decimal("2500.00"),
        "total_paid": Decimal("900.00"),
        "total_pending": Decimal("1600.00"),
        "total_overdue": Decimal("800.00"),  # A's unpaid 600 + E's 200, both still stored unswept
    }
    assert data["closing_balance"] == Decimal("1600.00")


def test_invoices_list_every_invoice_of_the_school_with_derived_status(viewer, school, books):
    data = viewer.get(url(school.pk)).data

    assert [(row["id"], row["student_name"], row["status"]) for row in data["invoices"]] == [
        (str(books.a.pk), "Ana Gómez", "OVERDUE"),
        (str(books.b.pk), "Ana Gómez", "PAID"),
        (str(books.d.pk), "Ana Gómez", "CANCELLED"),
        (str(books.e.pk), "Beto Ruiz", "OVERDUE"),
        (str(books.c.pk), "Ana Gómez", "PENDING"),
    ]
    assert str(books.foreign_invoice.pk) not in {row["id"] for row in data["invoices"]}


def test_daily_movements_carry_a_running_balance(viewer, school, books):
    movements = viewer.get(url(school.pk)).data["movements"]

    assert [(m["date"], m["charges"], m["credits"], m["balance"]) for m in movements] == [
        (str(days(-45)), Decimal("0.00"), Decimal("400.00"), Decimal("-400.00")),
        (str(days(-40)), Decimal("1000.00"), Decimal("0.00"), Decimal("600.00")),
        (str(days(-12)), Decimal("0.00"), Decimal("500.00"), Decimal("100.00")),
        (str(days(-10)), Decimal("500.00"), Decimal("0.00"), Decimal("600.00")),
        (str(days(-2)), Decimal("200.00"), Decimal("0.00"), Decimal("800.00")),
        (str(days(20)), Decimal("800.00"), Decimal("0.00"), Decimal("1600.00")),
    ]


def test_period_selects_invoices_by_due_date(viewer, school, books):
    data = viewer.get(url(school.pk), {"from": str(days(-20)), "to": str(days(0))}).data

    assert data["period"] == {"from": str(days(-20)), "to": str(days(0))}
    assert [row["id"] for row in data["invoices"]] == [str(books.b.pk), str(books.d.pk), str(books.e.pk)]
    assert data["summary"]["total_invoiced"] == Decimal("700.00")
    assert data["summary"]["total_paid"] == Decimal("500.00")
    assert data["summary"]["total_overdue"] == Decimal("200.00")
    assert data["summary"]["total_students"] == 3  # students are counted whatever the period
    assert data["opening_balance"] == Decimal("600.00")
    assert data["closing_balance"] == Decimal("800.00")


def test_invoice_list_is_paginated_while_the_summary_covers_the_period(viewer, school, books):
    first = viewer.get(url(school.pk), {"page_size": 2})
    last = viewer.get(url(school.pk), {"page_size": 2, "page": 3})

    assert [row["id"] for row in first.data["invoices"]] == [str(books.a.pk), str(books.b.pk)]
    assert first.data["invoices_page"]["count"] == 5
    assert first.data["invoices_page"]["num_pages"] == 3
    assert first.data["invoices_page"]["previous"] is None
    assert first.data["invoices_page"]["next"].endswith("page=2&page_size=2") or (
        "page=2" in first.data["invoices_page"]["next"]
    )
    assert [row["id"] for row in last.data["invoices"]] == [str(books.c.pk)]
    assert last.data["invoices_page"]["next"] is None
    assert "page=2" in last.data["invoices_page"]["previous"]
    assert last.data["summary"] == first.data["summary"]


def test_page_size_above_the_maximum_is_served_at_the_maximum(viewer, school, books):
    data = viewer.get(url(school.pk), {"page_size": 1000}).data

    assert data["invoices_page"]["page_size"] == 100


@pytest.mark.parametrize("params, field", [
    ({"page": "abc"}, "page"),
    ({"page": "0"}, "page"),
    ({"page_size": "-1"}, "page_size"),
    ({"from": "2024-02-30"}, "from"),
    ({"from": "2024-05-01", "to": "2024-04-30"}, "to"),
])
def test_unreadable_parameters_are_a_400(viewer, school, books, params, field):
    response = viewer.get(url(school.pk), params)

    assert response.status_code == 400
    assert field in response.data["fields"]


def test_page_past_the_end_is_a_404(viewer, school, books):
    response = viewer.get(url(school.pk), {"page": 2})

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


@pytest.mark.parametrize("kind", ["foreign", "unknown", "malformed"])
def test_statement_of_a_foreign_unknown_or_malformed_school_is_404(viewer, other_school, books, kind):
    school_id = {"foreign": other_school.pk, "unknown": uuid.uuid4(), "malformed": "x1"}[kind]

    response = viewer.get(url(school_id) + "/")

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


def test_statement_reflects_a_payment_made_right_before(school, books, accountant):
    accountant.get(url(school.pk))  # now cached

    accountant.post("/api/v1/payments", {"invoice_id": str(books.e.pk), "amount": "200.00",
                                         "method": "CASH"}, format="json")
    data = accountant.get(url(school.pk)).data

    assert data["summary"]["total_paid"] == Decimal("1100.00")
    assert data["summary"]["total_overdue"] == Decimal("600.00")
    assert next(row for row in data["invoices"] if row["id"] == str(books.e.pk))["status"] == "PAID"


def test_statement_reflects_an_invoice_issued_right_before(school, books, accountant):
    accountant.get(url(school.pk))

    accountant.post("/api/v1/invoices", {"student_id": str(books.carla.pk), "amount": "50.00",
                                         "due_date": str(days(1))}, format="json")
    data = accountant.get(url(school.pk)).data

    assert data["summary"]["total_invoiced"] == Decimal("2550.00")


def test_statement_runs_a_fixed_number_of_queries(viewer, school, books, django_assert_max_num_queries):
    for n in range(40):
        invoice = InvoiceFactory(student=StudentFactory(school=school), due_date=days(n - 20),
                                 paid_amount=Decimal("10.00"))
        PaymentFactory(invoice=invoice, amount=Decimal("10.00"), payment_date=days(n - 25))

    # school (membership joined), cache version, invoice totals, payment totals, students, page,
    # charges by day, credits by day
    with django_assert_max_num_queries(9):  # + corrections per day (one query)
        response = viewer.get(url(school.pk), {"page_size": 100})
    assert response.status_code == 200

    assert response.data["invoices_page"]["count"] == 45


@pytest.mark.parametrize("path, view", [
    ("/api/v1/schools/{id}/statement", SchoolStatementApi),
    ("/api/v1/schools/{id}/statement/", SchoolStatementApi),
    ("/api/v1/students/{id}/statement", StudentStatementApi),
    ("/api/v1/students/{id}/statement/", StudentStatementApi),
])
def test_statement_routes_are_not_shadowed_by_the_school_and_student_routes(path, view):
    match = resolve(path.format(id=uuid.uuid4()))

    assert getattr(match.func, "view_class", None) is view


def test_platform_admin_reads_any_schools_statement(admin_user, other_school, books):
    response = authenticated_client(admin_user).get(url(other_school.pk))

    assert response.status_code == 200
    assert response.data["summary"]["total_invoiced"] == Decimal("999.00")
