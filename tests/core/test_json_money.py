"""Money crosses the API as exact decimals: 500.00 out, Decimal in."""

from decimal import Decimal

import pytest

from billing.models import Invoice
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db


def test_amounts_leave_the_api_with_two_decimals():
    invoice = InvoiceFactory(amount=Decimal("500.00"), paid_amount=Decimal("200.50"))
    client = authenticated_client(member(invoice.school, Role.VIEWER))

    response = client.get(f"/api/v1/invoices/{invoice.pk}")

    raw = response.content.decode()
    assert '"amount":500.00' in raw
    assert '"paid_amount":200.50' in raw
    assert '"pending_amount":299.50' in raw


def test_a_json_number_amount_is_read_without_float_rounding():
    student = StudentFactory()
    client = authenticated_client(member(student.school, Role.ACCOUNTANT))
    body = f'{{"student_id": "{student.pk}", "amount": 1234567890.12, "due_date": "2026-12-10"}}'

    response = client.post("/api/v1/invoices", data=body, content_type="application/json")

    assert response.status_code == 201, response.content
    assert Invoice.objects.get().amount == Decimal("1234567890.12")
    assert '"amount":1234567890.12' in response.content.decode()
