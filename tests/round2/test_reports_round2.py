"""Issue 13: items 7 (CSV exports fail before the first byte, end verifiable), 8 (unknown report
parameters), 12 (ordering by the derived status)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.test import Client

from billing.models import InvoiceStatus
from core.dates import local_today
from tests.backoffice.conftest import client_for, staff_member
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db
DETAILS = "/api/v1/reports/invoices/details"


@pytest.fixture
def invoices(school):
    today = local_today()
    student = StudentFactory(school=school)
    return [
        # Stored PENDING but past due: derived OVERDUE (the sweep has not run).
        InvoiceFactory(student=student, amount=Decimal("100.00"), due_date=today - datetime.timedelta(days=3),
                       status=InvoiceStatus.PENDING, description="=HYPERLINK(1)"),
        InvoiceFactory(student=student, amount=Decimal("200.00"), due_date=today + datetime.timedelta(days=3),
                       status=InvoiceStatus.PENDING),
        InvoiceFactory(student=student, amount=Decimal("300.00"), paid_amount=Decimal("300.00"),
                       due_date=today - datetime.timedelta(days=9), status=InvoiceStatus.PAID),
    ]


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


# --- item 7 ---------------------------------------------------------------------------------------


def test_a_report_csv_says_how_many_rows_follow_the_header(admin_user, invoices):
    response = authenticated_client(admin_user).get(DETAILS, {"format": "csv"})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(_body(response))))
    assert int(response["X-Total-Rows"]) == len(lines) - 1 == 3


def test_a_report_csv_whose_query_fails_answers_503_before_any_byte(admin_user, invoices):
    def failing(execute, sql, params, many, context):
        if "reports_invoice_details" in sql:
            raise OperationalError("canceling statement due to statement timeout")
        return execute(sql, params, many, context)

    client = authenticated_client(admin_user)
    with connection.execute_wrapper(failing):
        response = client.get(DETAILS, {"format": "csv"})
    assert response.status_code == 503
    assert not response.streaming
    assert response.json()["code"] == "service_unavailable"


def test_the_admin_export_fails_before_any_byte_and_counts_its_rows(school, invoices):
    user = staff_member((school, Role.ACCOUNTANT))
    client = client_for(user)
    body = {"action": "export_csv", "_selected_action": [str(i.pk) for i in invoices]}
    response = client.post("/admin/billing/invoice/", body)
    assert response.status_code == 200
    assert int(response["X-Total-Rows"]) == len(list(csv.reader(io.StringIO(_body(response))))) - 1 == 3

    def failing(execute, sql, params, many, context):
        if "OVER ()" in sql or ("billing_invoice" in sql and "ORDER BY" in sql and "school" in sql):
            raise OperationalError("canceling statement due to statement timeout")
        return execute(sql, params, many, context)

    quiet = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    quiet.force_login(user)
    with connection.execute_wrapper(failing):
        failed = quiet.post("/admin/billing/invoice/", body)
    assert failed.status_code == 503
    assert not failed.streaming


# --- item 8 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["invoices/details", "students/balance", "revenue/monthly"])
def test_an_unknown_report_parameter_is_a_400_naming_it(admin_user, path):
    path = f"/api/v1/reports/{path}"
    client = authenticated_client(admin_user)
    response = client.get(path, {"cache_buster": "1"})
    assert response.status_code == 400
    assert "cache_buster" in response.json()["fields"]
    assert client.get(path, {"page": 1, "page_size": 5, "format": "json"}).status_code == 200


# --- item 12 --------------------------------------------------------------------------------------


def test_invoice_details_ordered_by_current_status_sorts_by_the_derived_status(admin_user, invoices):
    client = authenticated_client(admin_user)
    rows = client.get(DETAILS, {"ordering": "current_status"}).json()["results"]
    statuses = [row["status"] for row in rows]
    assert statuses == sorted(statuses) == ["OVERDUE", "PAID", "PENDING"]
    rows = client.get(DETAILS, {"ordering": "-current_status"}).json()["results"]
    assert [row["status"] for row in rows] == ["PENDING", "PAID", "OVERDUE"]
