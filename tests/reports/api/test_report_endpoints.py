import csv
import io
from decimal import Decimal

import pytest

from billing.models import PaymentMethod
from billing.services import payment_record
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from users.models import Role

REPORTS = [
    "students/balance",
    "schools/summary",
    "invoices/details",
    "invoices/overdue",
    "payments/history",
    "collections/daily",
    "revenue/monthly",
]


def url(report: str, slash: bool = False) -> str:
    return f"/api/v1/reports/{report}" + ("/" if slash else "")


@pytest.fixture
def admin_client(admin_user):
    return authenticated_client(admin_user)


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("slash", [False, True])
def test_report_answers_the_list_envelope_with_and_without_slash(dataset, admin_client, report, slash):
    response = admin_client.get(url(report, slash))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] > 0 and body["results"]


@pytest.mark.parametrize("report", REPORTS)
def test_report_needs_a_token(db, api_client, report):
    response = api_client.get(url(report))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("report", REPORTS)
def test_member_sees_only_rows_of_their_school(dataset, report):
    client = authenticated_client(member(dataset.school_a, Role.VIEWER))

    rows = client.get(url(report), {"page_size": 100}).json()["results"]

    assert rows
    assert {row["school_id"] for row in rows} == {str(dataset.school_a.pk)}


@pytest.mark.parametrize("report", REPORTS)
def test_member_filtering_another_school_gets_no_rows(dataset, report):
    client = authenticated_client(member(dataset.school_a, Role.VIEWER))

    body = client.get(url(report), {"school_id": str(dataset.school_b.pk)}).json()

    assert body["count"] == 0


@pytest.mark.parametrize("report", REPORTS)
def test_user_without_membership_sees_nothing(dataset, django_user_model, report):
    client = authenticated_client(django_user_model.objects.create_user("nobody", password="x"))

    assert client.get(url(report)).json()["count"] == 0


@pytest.mark.parametrize("report", REPORTS)
def test_platform_admin_sees_every_school_and_may_filter_one(dataset, admin_client, report):
    everything = admin_client.get(url(report), {"page_size": 100}).json()["results"]
    only_b = admin_client.get(url(report), {"page_size": 100, "school_id": str(dataset.school_b.pk)}).json()

    assert {str(dataset.school_a.pk), str(dataset.school_b.pk)} <= {row["school_id"] for row in everything}
    assert only_b["count"] > 0
    assert {row["school_id"] for row in only_b["results"]} == {str(dataset.school_b.pk)}


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize(
    ("param", "value"),
    [("school_id", "abc"), ("date_from", "2024-13-01"), ("ordering", "no_such_column"), ("page_size", "0"),
     ("page", "abc"), ("format", "xml")],
)
def test_malformed_parameter_is_a_400_naming_it(dataset, admin_client, report, param, value):
    if param == "date_from" and report in ("students/balance", "schools/summary"):
        pytest.skip("no date on these rows")

    response = admin_client.get(url(report), {param: value})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert param in body["fields"]


@pytest.mark.parametrize(
    ("report", "params", "field"),
    [
        ("students/balance", {"min_pending": "-1"}, "min_pending"),
        ("students/balance", {"min_pending": "lots"}, "min_pending"),
        ("students/balance", {"has_overdue": "maybe"}, "has_overdue"),
        ("invoices/details", {"status": "LATE"}, "status"),
        ("invoices/details", {"due_date_from": "2026-02-01", "due_date_to": "2026-01-01"}, "due_date_to"),
        ("invoices/overdue", {"aging_bucket": "91-120"}, "aging_bucket"),
        ("payments/history", {"method": "BITCOIN"}, "method"),
        ("payments/history", {"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
        ("collections/daily", {"date_to": "yesterday"}, "date_to"),
        ("revenue/monthly", {"date_from": "2026-02-30"}, "date_from"),
    ],
)
def test_bad_filter_value_is_a_400_naming_it(dataset, admin_client, report, params, field):
    response = admin_client.get(url(report), params)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]


def test_bad_filter_with_csv_format_answers_json_error(dataset, admin_client):
    response = admin_client.get(url("payments/history"), {"format": "csv", "school_id": "abc"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "validation_error"


def _csv_rows(response) -> list[dict]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def _as_csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize("report", REPORTS)
def test_csv_has_the_same_rows_and_keys_as_json(dataset, admin_client, report):
    json_rows = admin_client.get(url(report), {"page_size": 100}).json()["results"]

    response = admin_client.get(url(report), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert list(rows[0].keys()) == list(json_rows[0].keys())
    assert len(rows) == len(json_rows)
    for csv_row, json_row in zip(rows, json_rows, strict=True):
        for key, value in json_row.items():
            if isinstance(value, float | int) and not isinstance(value, bool):
                assert Decimal(csv_row[key]) == Decimal(str(value)), key
            else:
                assert csv_row[key] == _as_csv_cell(value), key


def test_csv_is_not_paginated(dataset, admin_client):
    json_body = admin_client.get(url("invoices/details"), {"page_size": 5}).json()

    rows = _csv_rows(admin_client.get(url("invoices/details"), {"page_size": 5, "format": "csv"}))

    assert json_body["count"] > 5
    assert len(rows) == json_body["count"]


def test_csv_can_be_asked_for_with_the_accept_header(dataset, admin_client):
    response = admin_client.get(url("schools/summary"), HTTP_ACCEPT="text/csv")

    assert response["Content-Type"].startswith("text/csv")
    # Read to the end, as a server does: the export's cursor is open until the body is consumed.
    assert _csv_rows(response)


def test_csv_format_wins_over_a_json_accept_header(dataset, admin_client):
    response = admin_client.get(url("schools/summary"), {"format": "csv"}, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert _csv_rows(response)  # read to the end, as a server does (closes the export's cursor)


def test_csv_cells_that_look_like_formulas_are_neutralised(db, admin_client):
    StudentFactory(first_name="=HYPERLINK(\"http://x\")", last_name="Evil")

    rows = _csv_rows(admin_client.get(url("students/balance"), {"format": "csv"}))

    assert rows[0]["first_name"].startswith("'=")


def test_csv_is_scoped_like_json(dataset):
    client = authenticated_client(member(dataset.school_b, Role.VIEWER))

    rows = _csv_rows(client.get(url("payments/history"), {"format": "csv"}))

    assert rows and {row["school_id"] for row in rows} == {str(dataset.school_b.pk)}


@pytest.mark.parametrize("report", REPORTS)
def test_report_page_runs_a_bounded_number_of_queries(dataset, report, django_assert_max_num_queries):
    client = authenticated_client(member(dataset.school_a, Role.VIEWER))

    # memberships, school versions, count, page
    with django_assert_max_num_queries(4):
        response = client.get(url(report), {"page_size": 100})
    assert response.status_code == 200

    assert response.json()["results"]


def test_repeated_report_is_served_from_the_cache(dataset, django_assert_max_num_queries):
    client = authenticated_client(member(dataset.school_a, Role.VIEWER))
    first = client.get(url("students/balance")).json()

    with django_assert_max_num_queries(2):  # memberships, school versions
        response = client.get(url("students/balance"))
    assert response.status_code == 200

    assert response.json() == first


def test_report_is_never_stale_after_a_payment(dataset):
    client = authenticated_client(member(dataset.school_a, Role.VIEWER))
    student = dataset.students[1]
    before = client.get(url("students/balance"), {"search": student.first_name}).json()["results"][0]
    invoice = InvoiceFactory(student=student, amount=Decimal("100.00"))
    payment_record(invoice_id=invoice.pk, amount=Decimal("40.00"), method=PaymentMethod.CASH)

    after = client.get(url("students/balance"), {"search": student.first_name}).json()["results"][0]

    assert Decimal(str(after["total_paid"])) == Decimal(str(before["total_paid"])) + Decimal("40.00")


def test_cache_is_not_shared_between_members_of_different_schools(dataset):
    client_a = authenticated_client(member(dataset.school_a, Role.VIEWER))
    client_b = authenticated_client(member(dataset.school_b, Role.VIEWER))

    rows_a = client_a.get(url("schools/summary")).json()["results"]
    rows_b = client_b.get(url("schools/summary")).json()["results"]

    assert [r["school_id"] for r in rows_a] == [str(dataset.school_a.pk)]
    assert [r["school_id"] for r in rows_b] == [str(dataset.school_b.pk)]


def test_pages_link_to_each_other(dataset, admin_client):
    first = admin_client.get(url("invoices/details"), {"page_size": 5}).json()
    second = admin_client.get(first["next"]).json()

    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert second["previous"] and "page=" not in second["previous"]
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])


def test_page_past_the_end_is_a_404(dataset, admin_client):
    response = admin_client.get(url("invoices/details"), {"page": 999})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
