import uuid
from decimal import Decimal

import pytest

from tests.accounting.conftest import days
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

SEED_KEYS = {"student_id", "student_name", "school_name", "summary", "invoices", "generated_at"}
SEED_SUMMARY_KEYS = {"total_invoiced", "total_paid", "total_pending", "total_overdue"}
SEED_INVOICE_KEYS = {"id", "description", "amount", "paid_amount", "pending_amount", "status", "due_date",
                     "payments"}
SEED_PAYMENT_KEYS = {"amount", "date", "method"}


def url(student_id) -> str:
    return f"/api/v1/students/{student_id}/statement"


def test_statement_has_every_key_of_the_seed_example(viewer, books):
    response = viewer.get(url(books.ana.pk))

    assert response.status_code == 200
    data = response.json()
    assert SEED_KEYS <= set(data)
    assert SEED_SUMMARY_KEYS <= set(data["summary"])
    assert all(SEED_INVOICE_KEYS <= set(row) for row in data["invoices"])
    assert SEED_PAYMENT_KEYS <= set(data["invoices"][0]["payments"][0])
    assert {"period", "opening_balance", "closing_balance", "movements"} <= set(data)
    assert data["generated_at"].endswith("Z")


def test_summary_matches_the_hand_computed_totals_before_any_sweep(viewer, books):
    data = viewer.get(url(books.ana.pk)).data

    assert data["student_name"] == "Ana Gómez"
    assert data["school_name"] == books.ana.school.name
    assert data["summary"] == {
        "total_invoiced": Decimal("2300.00"),
        "total_paid": Decimal("900.00"),
        "total_pending": Decimal("1400.00"),
        "total_overdue": Decimal("600.00"),
    }
    assert data["period"] == {"from": None, "to": None}


def test_invoices_are_listed_by_due_date_with_derived_status_and_payments(viewer, books):
    invoices = viewer.get(url(books.ana.pk)).data["invoices"]

    assert [(row["id"], row["status"], row["pending_amount"]) for row in invoices] == [
        (str(books.a.pk), "OVERDUE", Decimal("600.00")),
        (str(books.b.pk), "PAID", Decimal("0.00")),
        (str(books.d.pk), "CANCELLED", Decimal("0.00")),
        (str(books.c.pk), "PENDING", Decimal("800.00")),
    ]
    assert invoices[0]["payments"] == [{
        "id": str(books.p1.pk), "number": "R-01", "amount": Decimal("400.00"), "date": str(days(-45)),
        "method": "CASH", "reference": "caja 1",
    }]
    assert invoices[3]["payments"] == []


def test_movements_read_like_a_bank_statement(viewer, books):
    data = viewer.get(url(books.ana.pk)).data

    assert [(m["type"], m["date"], m["charge"], m["credit"], m["balance"]) for m in data["movements"]] == [
        ("PAYMENT", str(days(-45)), Decimal("0.00"), Decimal("400.00"), Decimal("-400.00")),
        ("CHARGE", str(days(-40)), Decimal("1000.00"), Decimal("0.00"), Decimal("600.00")),
        ("PAYMENT", str(days(-12)), Decimal("0.00"), Decimal("500.00"), Decimal("100.00")),
        ("CHARGE", str(days(-10)), Decimal("500.00"), Decimal("0.00"), Decimal("600.00")),
        ("CHARGE", str(days(20)), Decimal("800.00"), Decimal("0.00"), Decimal("1400.00")),
    ]
    assert data["opening_balance"] == Decimal("0.00")
    assert data["closing_balance"] == Decimal("1400.00") == data["summary"]["total_pending"]


def test_period_selects_invoices_by_due_date_and_carries_an_opening_balance(viewer, books):
    data = viewer.get(url(books.ana.pk), {"from": str(days(-20)), "to": str(days(30))}).data

    assert data["period"] == {"from": str(days(-20)), "to": str(days(30))}
    assert [row["id"] for row in data["invoices"]] == [str(books.b.pk), str(books.d.pk), str(books.c.pk)]
    assert data["summary"] == {
        "total_invoiced": Decimal("1300.00"),
        "total_paid": Decimal("500.00"),
        "total_pending": Decimal("800.00"),
        "total_overdue": Decimal("0.00"),
    }
    # Before the period: A charged 1000, P1 paid 400.
    assert data["opening_balance"] == Decimal("600.00")
    assert [m["balance"] for m in data["movements"]] == [
        Decimal("100.00"), Decimal("600.00"), Decimal("1400.00"),
    ]
    assert data["closing_balance"] == Decimal("1400.00")


def test_open_ended_period_bounds(viewer, books):
    only_to = viewer.get(url(books.ana.pk), {"to": str(days(-20))}).data
    only_from = viewer.get(url(books.ana.pk), {"from": str(days(0))}).data

    assert [row["id"] for row in only_to["invoices"]] == [str(books.a.pk)]
    assert only_to["summary"]["total_overdue"] == Decimal("600.00")
    assert [row["id"] for row in only_from["invoices"]] == [str(books.c.pk)]
    assert only_from["opening_balance"] == Decimal("600.00")  # 1500 charged, 900 paid before today


def test_empty_period_values_mean_no_bound(viewer, books):
    data = viewer.get(url(books.ana.pk) + "?from=&to=").data

    assert data["summary"]["total_invoiced"] == Decimal("2300.00")


def test_trailing_slash_works(viewer, books):
    assert viewer.get(url(books.ana.pk) + "/").status_code == 200


@pytest.mark.parametrize("params, field", [
    ({"from": "2024-02-30"}, "from"),
    ({"to": "2024-13-01"}, "to"),
    ({"from": "yesterday"}, "from"),
    ({"from": "2024-05-01", "to": "2024-04-30"}, "to"),
])
def test_unreadable_period_is_a_400(viewer, books, params, field):
    response = viewer.get(url(books.ana.pk), params)

    assert response.status_code == 400
    assert response.data["code"] == "validation_error"
    assert field in response.data["fields"]


@pytest.mark.parametrize("kind", ["foreign", "unknown", "malformed"])
def test_statement_of_a_foreign_unknown_or_malformed_student_is_404(viewer, books, kind):
    student_id = {"foreign": books.foreign_student.pk, "unknown": uuid.uuid4(), "malformed": "ana"}[kind]

    response = viewer.get(url(student_id))

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


def test_a_freshly_registered_user_sees_no_statement(books):
    response = authenticated_client(UserFactory()).get(url(books.ana.pk))

    assert response.status_code == 404


def test_inactive_students_statement_is_still_readable(viewer, books):
    data = viewer.get(url(books.beto.pk)).data

    assert data["summary"]["total_overdue"] == Decimal("200.00")


def test_statement_reflects_a_payment_made_right_before(books, accountant):
    before = accountant.get(url(books.ana.pk)).data  # now cached

    paid = accountant.post("/api/v1/payments", {"invoice_id": str(books.c.pk), "amount": "150.00",
                                                "method": "CASH"}, format="json")
    after = accountant.get(url(books.ana.pk)).data

    assert paid.status_code == 201
    assert before["summary"]["total_paid"] == Decimal("900.00")
    assert after["summary"]["total_paid"] == Decimal("1050.00")
    assert after["summary"]["total_pending"] == Decimal("1250.00")
    c_row = next(row for row in after["invoices"] if row["id"] == str(books.c.pk))
    assert c_row["status"] == "PARTIAL"
    assert c_row["payments"][0]["amount"] == Decimal("150.00")
    assert after["movements"][-2]["credit"] == Decimal("150.00")


def test_statement_reflects_an_invoice_cancelled_right_before(books, school_admin):
    school_admin.get(url(books.ana.pk))

    school_admin.delete(f"/api/v1/invoices/{books.c.pk}")
    after = school_admin.get(url(books.ana.pk)).data

    assert after["summary"]["total_invoiced"] == Decimal("1500.00")


def test_statement_runs_a_fixed_number_of_queries(viewer, books, django_assert_max_num_queries):
    for n in range(30):
        InvoiceFactory(student=books.ana, due_date=days(n))

    # student (membership joined), cache version, every figure, invoices, payments; plus the
    # token's user lookup in production: 6, the benchmark's budget.
    with django_assert_max_num_queries(7):  # + credit notes, + reversed allocations
        response = viewer.get(url(books.ana.pk))
    assert response.status_code == 200

    assert len(response.data["invoices"]) == 34


def test_a_cached_statement_costs_two_queries(viewer, books, django_assert_max_num_queries):
    viewer.get(url(books.ana.pk))

    with django_assert_max_num_queries(2):  # student (membership joined), cache version
        response = viewer.get(url(books.ana.pk))
    assert response.status_code == 200
    assert response.data["student_id"] == str(books.ana.pk)


def test_statement_shows_a_rename_made_right_before(viewer, books):
    from students.services import student_update

    viewer.get(url(books.ana.pk))  # now cached

    student_update(student_id=books.ana.pk, first_name="Anita")

    assert viewer.get(url(books.ana.pk)).data["student_name"] == "Anita Gómez"
