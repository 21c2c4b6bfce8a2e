"""Who created, changed and cancelled an invoice and who registered each payment: when, from where."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from billing import services
from billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from tests.conftest import member
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db

FAR = date(2099, 1, 31)


def bearer_client(user, *, ip="203.0.113.7") -> APIClient:
    # A client's own X-Request-ID is not trusted: the server makes the id and answers it.
    client = APIClient(REMOTE_ADDR=ip, HTTP_X_REQUEST_ID="client-chosen-id")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def student(school):
    return StudentFactory(school=school)


def test_creating_an_invoice_records_who_when_and_from_which_request(school, student):
    accountant = member(school, Role.ACCOUNTANT)
    response = bearer_client(accountant).post(
        "/api/v1/invoices",
        {"student_id": str(student.pk), "amount": "800.00", "due_date": "2099-01-31"},
        format="json",
    )
    assert response.status_code == 201
    (row,) = Invoice.history.filter(id=response.json()["id"])
    assert row.history_type == "+"
    assert row.history_user == accountant
    assert row.request_id == response["X-Request-ID"]
    assert row.request_id != "client-chosen-id" and len(row.request_id) == 36
    assert row.ip_address == "203.0.113.7"
    assert row.amount == Decimal("800.00")


def test_changing_and_cancelling_an_invoice_each_add_a_row_naming_the_actor(school, student):
    accountant = member(school, Role.ACCOUNTANT)
    manager = member(school, Role.ADMIN)
    invoice = services.invoice_create(
        student_id=student.pk, amount=Decimal("500.00"), due_date=FAR, actor=accountant
    )

    changed = bearer_client(accountant).patch(
        f"/api/v1/invoices/{invoice.pk}", {"amount": "650.00"}, format="json"
    )
    cancelled = bearer_client(manager, ip="198.51.100.4").delete(
        f"/api/v1/invoices/{invoice.pk}"
    )

    assert (changed.status_code, cancelled.status_code) == (200, 200)
    rows = list(Invoice.history.filter(id=invoice.pk).order_by("history_date"))
    assert [r.history_type for r in rows] == ["+", "~", "~"]
    assert (rows[1].history_user, rows[1].request_id, rows[1].amount) == (
        accountant, changed["X-Request-ID"], Decimal("650.00")
    )
    assert (rows[2].history_user, rows[2].request_id, rows[2].ip_address, rows[2].status) == (
        manager, cancelled["X-Request-ID"], "198.51.100.4", InvoiceStatus.CANCELLED
    )


def test_registering_a_payment_records_the_cashier_and_the_request(school, student):
    accountant = member(school, Role.ACCOUNTANT)
    invoice = services.invoice_create(
        student_id=student.pk, amount=Decimal("500.00"), due_date=FAR, actor=accountant
    )

    response = bearer_client(accountant).post(
        "/api/v1/payments",
        {"invoice_id": str(invoice.pk), "amount": "120.00", "method": "CASH", "reference": "caja 2"},
        format="json",
    )

    assert response.status_code == 201
    (row,) = Payment.history.filter(id=response.json()["id"])
    assert (row.history_type, row.history_user, row.request_id, row.ip_address) == (
        "+", accountant, response["X-Request-ID"], "203.0.113.7"
    )
    assert (row.amount, row.reference) == (Decimal("120.00"), "caja 2")
    # The invoice's balance change is in its own history, from the same request.
    latest = Invoice.history.filter(id=invoice.pk).latest("history_date")
    assert (latest.paid_amount, latest.request_id, latest.history_user) == (
        Decimal("120.00"), response["X-Request-ID"], accountant
    )


def test_a_refused_payment_leaves_no_history_row(school, student):
    accountant = member(school, Role.ACCOUNTANT)
    invoice = services.invoice_create(
        student_id=student.pk, amount=Decimal("100.00"), due_date=FAR, actor=accountant
    )
    before = Invoice.history.filter(id=invoice.pk).count()

    response = bearer_client(accountant).post(
        "/api/v1/payments", {"invoice_id": str(invoice.pk), "amount": "150.00", "method": "CASH"},
        format="json",
    )

    assert response.json()["code"] == "overpayment"
    assert Payment.history.count() == 0
    assert Invoice.history.filter(id=invoice.pk).count() == before


def test_changes_made_outside_a_request_are_recorded_without_a_request_id(student):
    invoice = services.invoice_create(student_id=student.pk, amount=Decimal("90.00"), due_date=FAR)
    services.payment_record(invoice_id=invoice.pk, amount=Decimal("90.00"), method=PaymentMethod.CASH)

    rows = list(Invoice.history.filter(id=invoice.pk)) + list(Payment.history.all())
    assert len(rows) == 3
    assert all(r.request_id == "" and r.ip_address is None and r.history_user is None for r in rows)


def test_history_tables_have_no_admin_of_their_own_to_edit_them_through():
    registered = {model._meta.label for model in admin.site._registry}
    assert "billing.HistoricalInvoice" not in registered
    assert "billing.HistoricalPayment" not in registered


@pytest.fixture
def api_invoice(school, student):
    """An invoice created, changed and paid through the API, so its history has request ids."""
    accountant = member(school, Role.ACCOUNTANT)
    client = bearer_client(accountant)
    created = client.post("/api/v1/invoices", {"student_id": str(student.pk), "amount": "800.00",
                                               "due_date": "2099-01-31"}, format="json")
    client.patch(f"/api/v1/invoices/{created.json()['id']}", {"description": "Inscripción"}, format="json")
    paid = client.post("/api/v1/payments", {"invoice_id": created.json()["id"], "amount": "50.00",
                                            "method": "CASH"}, format="json")
    return {"invoice": Invoice.objects.get(pk=created.json()["id"]), "accountant": accountant,
            "payment_id": paid.json()["id"], "request_ids": [created["X-Request-ID"], paid["X-Request-ID"]]}


def _staff(school, role):
    user = member(school, role)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_the_admin_history_page_lists_each_version_with_who_and_which_request(client, school, api_invoice):
    client.force_login(_staff(school, Role.VIEWER))
    invoice = api_invoice["invoice"]

    page = client.get(f"/admin/billing/invoice/{invoice.pk}/history/")

    assert page.status_code == 200
    html = page.content.decode()
    assert api_invoice["accountant"].username in html
    assert all(request_id in html for request_id in api_invoice["request_ids"])
    assert html.count("203.0.113.7") >= 3  # created, changed, paid
    payment_page = client.get(f"/admin/billing/payment/{api_invoice['payment_id']}/history/")
    assert payment_page.status_code == 200
    assert api_invoice["request_ids"][1] in payment_page.content.decode()


def test_a_history_version_is_shown_read_only_and_cannot_be_reverted(client, school, api_invoice):
    client.force_login(_staff(school, Role.ADMIN))
    invoice = api_invoice["invoice"]
    first = Invoice.history.filter(id=invoice.pk).earliest("history_date")
    url = f"/admin/billing/invoice/{invoice.pk}/history/{first.history_id}/"

    page = client.get(url)
    refused = client.post(url, {"amount": "1.00", "due_date": "2000-01-01", "description": "x",
                                "_change_history": "1"})

    assert page.status_code == 200
    assert 'name="amount"' not in page.content.decode()  # no editable input on the version page
    assert refused.status_code == 403
    invoice.refresh_from_db()
    assert invoice.amount == Decimal("800.00") and invoice.description == "Inscripción"
    assert Invoice.history.filter(id=invoice.pk).count() == 3  # created, changed, paid: nothing new


def test_another_schools_staff_cannot_read_the_history(client, other_school, api_invoice):
    client.force_login(_staff(other_school, Role.ADMIN))
    invoice = api_invoice["invoice"]
    first = Invoice.history.filter(id=invoice.pk).earliest("history_date")

    assert client.get(f"/admin/billing/invoice/{invoice.pk}/history/").status_code == 404
    assert client.get(f"/admin/billing/invoice/{invoice.pk}/history/{first.history_id}/").status_code == 404
    assert client.get("/admin/billing/invoice/not-a-uuid/history/").status_code == 404
