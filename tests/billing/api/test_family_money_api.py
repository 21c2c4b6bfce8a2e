"""Family payments, credit, refunds, credit notes, reversals and allocations over the API."""

import datetime
from decimal import Decimal as D

import pytest

from billing.models import CreditNote, Invoice, Payment, Refund
from core.dates import local_today
from tests.billing.factories import InvoiceFactory
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(school):
    return FamilyFactory(school=school)


@pytest.fixture
def invoices(school, family):
    kids = [StudentFactory(school=school, family=family) for _ in range(2)]
    return [
        InvoiceFactory(
            student=kid,
            school=school,
            amount=D("500.00"),
            number=f"2026-00010{n}",
            due_date=local_today() + datetime.timedelta(days=n),
        )
        for n, kid in enumerate(kids)
    ]


def test_a_family_pays_for_two_children_with_one_payment_and_keeps_the_rest_as_credit(
    accountant, family, invoices
):
    response = accountant.post(
        f"/api/v1/families/{family.pk}/payments",
        {"amount": "1200.00", "method": "BANK_TRANSFER"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [a["invoice_id"] for a in body["allocations"]] == [str(i.pk) for i in invoices]
    assert body["unallocated_amount"] == 200.0 and body["family_id"] == str(family.pk)
    assert body["invoice_id"] is None and body["reversed"] is False
    credit = accountant.get(f"/api/v1/families/{family.pk}/credit").json()
    assert credit["credit_balance"] == 200.0 and credit["payments"][0]["payment_id"] == body["id"]
    allocations = accountant.get(f"/api/v1/payments/{body['id']}/allocations").json()
    assert [a["amount"] for a in allocations] == [500.0, 500.0]
    assert accountant.get(f"/api/v1/invoices/{invoices[0].pk}").json()["status"] == "PAID"


@pytest.mark.parametrize(
    "body, status, code",
    [
        (
            {"amount": "100.00", "method": "CASH", "allocations": [{"invoice_id": "X", "amount": "200.00"}]},
            400,
            "allocations_exceed_payment",
        ),
        (
            {
                "amount": "900.00",
                "method": "CASH",
                "allocations": [{"invoice_id": "FIRST", "amount": "600.00"}],
            },
            400,
            "overpayment",
        ),
        (
            {"amount": "10.00", "method": "CASH", "allocations": [{"invoice_id": "nope", "amount": "5.00"}]},
            404,
            "not_found",
        ),
        (
            {
                "amount": "10.00",
                "method": "CASH",
                "allocations": [{"invoice_id": "FIRST", "amount": "5.00", "extra": 1}],
            },
            400,
            "validation_error",
        ),
        ({"amount": "-1", "method": "CASH"}, 400, "invalid_amount"),
    ],
)
def test_bad_family_payments_are_refused_and_write_nothing(accountant, family, invoices, body, status, code):
    for item in body.get("allocations", []):
        item["invoice_id"] = (
            str(invoices[0].pk) if item["invoice_id"] in ("X", "FIRST") else item["invoice_id"]
        )
    response = accountant.post(f"/api/v1/families/{family.pk}/payments", body, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not Payment.objects.exists()


def test_another_schools_family_or_invoice_is_404(accountant, other_school, family):
    foreign = FamilyFactory(school=other_school)
    assert (
        accountant.post(
            f"/api/v1/families/{foreign.pk}/payments", {"amount": "1", "method": "CASH"}, format="json"
        ).status_code
        == 404
    )
    elsewhere = InvoiceFactory(student__school=other_school)
    response = accountant.post(
        f"/api/v1/families/{family.pk}/payments",
        {
            "amount": "10.00",
            "method": "CASH",
            "allocations": [{"invoice_id": str(elsewhere.pk), "amount": "5"}],
        },
        format="json",
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_viewer_cannot_record_family_payments(family, viewer):
    response = viewer.post(
        f"/api/v1/families/{family.pk}/payments", {"amount": "1", "method": "CASH"}, format="json"
    )
    assert response.status_code == 403


def test_credit_notes_are_admin_only_and_refused_above_the_balance(accountant, school_admin, invoices):
    url = f"/api/v1/invoices/{invoices[0].pk}/credit-notes"
    assert accountant.post(url, {"amount": "100.00", "reason": "Beca"}, format="json").status_code == 403
    response = school_admin.post(url, {"amount": "100.00", "reason": "Beca 20 %"}, format="json")
    assert response.status_code == 201
    assert response.json()["number"].startswith("NC-")
    over = school_admin.post(url, {"amount": "400.01", "reason": "x"}, format="json")
    assert over.status_code == 400 and over.json()["code"] == "credit_note_above_balance"
    assert CreditNote.objects.count() == 1
    invoice = school_admin.get(f"/api/v1/invoices/{invoices[0].pk}").json()
    assert (invoice["credited_amount"], invoice["balance"], invoice["pending_amount"]) == (
        100.0,
        400.0,
        400.0,
    )
    assert [n["id"] for n in school_admin.get(url).json()] == [response.json()["id"]]
    assert school_admin.get("/api/v1/credit-notes").json()["count"] == 1


def test_reversing_a_payment_twice_is_a_409(accountant, school_admin, invoices):
    payment = accountant.post(
        "/api/v1/payments",
        {"invoice_id": str(invoices[0].pk), "amount": "500.00", "method": "CHECK"},
        format="json",
    ).json()
    url = f"/api/v1/payments/{payment['id']}/reverse"
    assert accountant.post(url, {"reason": "BOUNCED_CHECK"}, format="json").status_code == 403
    response = school_admin.post(url, {"reason": "BOUNCED_CHECK", "note": "Sin fondos"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["reversed"] is True and response.json()["reversal"]["reason"] == "BOUNCED_CHECK"
    again = school_admin.post(url, {"reason": "BOUNCED_CHECK"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "payment_already_reversed"
    assert Invoice.objects.get(pk=invoices[0].pk).paid_amount == D("0.00")


def test_reversing_a_payment_whose_credit_was_refunded_is_a_409(accountant, school_admin, family):
    payment = accountant.post(
        f"/api/v1/families/{family.pk}/payments", {"amount": "300.00", "method": "CASH"}, format="json"
    ).json()
    refund = school_admin.post(
        f"/api/v1/families/{family.pk}/refunds", {"amount": "100.00", "method": "CASH"}, format="json"
    )
    assert refund.status_code == 201 and refund.json()["number"].startswith("RE-")
    response = school_admin.post(
        f"/api/v1/payments/{payment['id']}/reverse", {"reason": "OTHER"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "payment_credit_refunded"


def test_a_refund_above_the_credit_is_a_400_and_refunds_are_admin_only(accountant, school_admin, family):
    url = f"/api/v1/families/{family.pk}/refunds"
    assert accountant.post(url, {"amount": "1.00", "method": "CASH"}, format="json").status_code == 403
    response = school_admin.post(url, {"amount": "1.00", "method": "CASH"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "refund_above_credit"
    assert not Refund.objects.exists()
    assert school_admin.get(url).json()["count"] == 0


# --- dates: no earlier than the school's floor, as a payment against one invoice -----------------


def test_a_family_payment_dated_1900_is_a_400_naming_the_date_and_records_nothing(
    accountant, family, invoices
):
    response = accountant.post(
        f"/api/v1/families/{family.pk}/payments",
        {"amount": "100.00", "method": "CASH", "payment_date": "1900-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "payment_date_too_old"
    assert list(response.json()["fields"]) == ["payment_date"]
    assert not Payment.objects.exists()
    assert Invoice.objects.filter(paid_amount__gt=0).count() == 0


def test_a_family_payment_on_the_schools_floor_is_accepted(accountant, family, invoices):
    start_of_last_year = datetime.date(local_today().year - 1, 1, 1)

    response = accountant.post(
        f"/api/v1/families/{family.pk}/payments",
        {"amount": "100.00", "method": "CASH", "payment_date": start_of_last_year.isoformat()},
        format="json",
    )

    assert response.status_code == 201, response.json()


def test_a_refund_dated_1900_is_a_400_naming_the_date_and_refunds_nothing(accountant, school_admin, family):
    accountant.post(f"/api/v1/families/{family.pk}/payments", {"amount": "100.00", "method": "CASH"},
                    format="json")

    response = school_admin.post(
        f"/api/v1/families/{family.pk}/refunds",
        {"amount": "10.00", "method": "CASH", "refund_date": "1900-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "payment_date_too_old"
    assert list(response.json()["fields"]) == ["refund_date"]
    assert not Refund.objects.exists()
    assert accountant.get(f"/api/v1/families/{family.pk}/credit").json()["credit_balance"] == 100.0
