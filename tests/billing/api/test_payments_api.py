import datetime
import uuid
from decimal import Decimal

import pytest

from billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from core.dates import local_today
from tests.billing.factories import InvoiceFactory, PaymentFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/payments"
OUTPUT_KEYS = {
    "id", "number", "invoice_id", "invoice_number", "school_id", "student_id", "student_name", "amount",
    "payment_date", "method", "reference", "created_by", "created_at",
    # part 2 (families and corrections): keys added, none renamed
    "family_id", "allocations", "unallocated_amount", "reversed", "reversal",
}


@pytest.fixture
def invoice(school):
    return InvoiceFactory(student=StudentFactory(school=school), amount=Decimal("1000.00"))


def body(invoice, **overrides):
    return {"invoice_id": str(invoice.pk), "amount": "400.00", "method": "BANK_TRANSFER",
            "reference": "SPEI 123", **overrides}


def paid(invoice, amount: str, **kwargs):
    """Arrange a payment already on the books (row plus the invoice's paid_amount)."""
    payment = PaymentFactory(invoice=invoice, amount=Decimal(amount), **kwargs)
    Invoice.objects.filter(pk=invoice.pk).update(paid_amount=invoice.paid_amount + Decimal(amount))
    invoice.refresh_from_db()
    return payment


# --- create -------------------------------------------------------------------------------------


def test_accountant_registers_a_payment(accountant, accountant_user, invoice):
    response = accountant.post(URL, body(invoice), format="json")

    assert response.status_code == 201
    assert set(response.data) == OUTPUT_KEYS
    assert response.data["amount"] == Decimal("400.00")
    assert response.data["payment_date"] == str(local_today())
    assert response.data["invoice_id"] == str(invoice.pk)
    assert response.data["created_by"] == str(accountant_user.pk)
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("400.00")
    assert invoice.status == InvoiceStatus.PARTIAL


def test_the_receipt_is_what_the_payment_serializer_answers(accountant, invoice):
    # The view renders through core.api.output_body (fields built once per process): the same body.
    from billing.api.serializers import PaymentOutput
    from billing.selectors import payment_get
    from core.api import output_body

    response = accountant.post(URL, body(invoice), format="json")

    payment = Payment.objects.get(pk=response.data["id"])
    assert response.data == PaymentOutput(payment).data
    assert response.data["allocations"][0]["amount"] == Decimal("400.00")
    read = payment_get(user=payment.created_by, payment_id=payment.pk)
    assert output_body(PaymentOutput, read) == PaymentOutput(read).data


def test_payment_with_an_explicit_date_and_trailing_slash(accountant, invoice):
    response = accountant.post(URL + "/", body(invoice, payment_date="2026-01-05", amount=1000),
                               format="json")

    assert response.status_code == 201
    assert response.data["payment_date"] == "2026-01-05"
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_overpayment_is_a_400_and_writes_nothing(accountant, invoice):
    response = accountant.post(URL, body(invoice, amount="1000.01"), format="json")

    assert response.status_code == 400
    assert response.data["code"] == "overpayment"
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("0.00")


@pytest.mark.parametrize("state, code", [
    ({"status": InvoiceStatus.CANCELLED}, "invoice_cancelled"),
    ({"paid_amount": Decimal("1000.00"), "status": InvoiceStatus.PAID}, "invoice_already_paid"),
])
def test_cancelled_or_paid_invoice_refuses_payment_with_409(accountant, school, state, code):
    invoice = InvoiceFactory(student__school=school, **state)

    response = accountant.post(URL, body(invoice, amount="1.00"), format="json")

    assert response.status_code == 409
    assert response.data["code"] == code
    assert not Payment.objects.exists()


def test_viewer_cannot_register_a_payment(viewer, invoice):
    response = viewer.post(URL, body(invoice), format="json")

    assert response.status_code == 403
    assert not Payment.objects.exists()


@pytest.mark.parametrize("kind, status", [("foreign", 404), ("unknown", 404), ("malformed", 400)])
def test_paying_a_foreign_unknown_or_malformed_invoice_is_refused(accountant, other_school, kind, status):
    other = InvoiceFactory(student__school=other_school)
    invoice_id = {"foreign": str(other.pk), "unknown": str(uuid.uuid4()), "malformed": "12-ab"}[kind]

    response = accountant.post(URL, body(other, invoice_id=invoice_id), format="json")

    assert response.status_code == status
    assert not Payment.objects.exists()
    other.refresh_from_db()
    assert other.paid_amount == Decimal("0.00")


@pytest.mark.parametrize("overrides, field", [
    ({"amount": "0.00"}, "amount"),
    ({"amount": -5}, "amount"),
    ({"amount": "99999999999.00"}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"amount": "ten"}, "amount"),
    ({"amount": False}, "amount"),
    ({"amount": [1]}, "amount"),
    ({"method": "BITCOIN"}, "method"),
    ({"method": "cash"}, "method"),
    ({"payment_date": "2024-02-30"}, "payment_date"),
    ({"reference": "r" * 101}, "reference"),
    ({"number": "2026-000001"}, "number"),
    ({"school_id": str(uuid.uuid4())}, "school_id"),
])
def test_bad_payment_input_is_a_400_and_writes_nothing(accountant, invoice, overrides, field):
    response = accountant.post(URL, body(invoice, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.data["fields"]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("missing", ["invoice_id", "amount", "method"])
def test_missing_payment_field_is_a_400(accountant, invoice, missing):
    data = body(invoice)
    del data[missing]

    response = accountant.post(URL, data, format="json")

    assert response.status_code == 400
    assert missing in response.data["fields"]


# --- immutability -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_payments_have_no_update_or_delete_route(accountant, invoice, method):
    payment = paid(invoice, "100.00")

    response = getattr(accountant, method)(f"{URL}/{payment.pk}", {"amount": "1.00"}, format="json")

    assert response.status_code == 405
    assert response.data["code"] == "method_not_allowed"
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("100.00")


def test_delete_on_the_payment_list_is_405(accountant):
    assert accountant.delete(URL).status_code == 405


# --- reads --------------------------------------------------------------------------------------


def test_list_shows_only_the_callers_schools_payments(viewer, invoice, other_school):
    mine = paid(invoice, "100.00")
    paid(InvoiceFactory(student__school=other_school), "50.00")

    response = viewer.get(URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [str(mine.pk)]
    assert set(response.data["results"][0]) == OUTPUT_KEYS


def test_list_filters_by_method_invoice_and_date_range(viewer, invoice, school):
    target = paid(invoice, "100.00", method=PaymentMethod.CHECK, payment_date=datetime.date(2026, 2, 10))
    paid(invoice, "100.00", method=PaymentMethod.CASH, payment_date=datetime.date(2026, 2, 11))
    paid(invoice, "100.00", method=PaymentMethod.CHECK, payment_date=datetime.date(2026, 3, 1))
    paid(InvoiceFactory(student__school=school), "10.00", method=PaymentMethod.CHECK,
         payment_date=datetime.date(2026, 2, 10))

    response = viewer.get(URL, {"method": "CHECK", "invoice_id": str(invoice.pk), "school_id": str(school.pk),
                                "date_from": "2026-02-01", "date_to": "2026-02-28"})

    assert [row["id"] for row in response.data["results"]] == [str(target.pk)]


def test_search_finds_by_reference_or_receipt_number(viewer, invoice):
    target = paid(invoice, "100.00", reference="SPEI 998877", number="2026-000555")
    paid(invoice, "100.00", reference="OXXO 1")

    assert [r["id"] for r in viewer.get(URL, {"search": "998877"}).data["results"]] == [str(target.pk)]
    assert [r["id"] for r in viewer.get(URL, {"search": "2026-000555"}).data["results"]] == [str(target.pk)]


@pytest.mark.parametrize("params, field", [
    ({"method": "BITCOIN"}, "method"),
    ({"invoice_id": "nope"}, "invoice_id"),
    ({"date_from": "2026-13-01"}, "date_from"),
    ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to"),
    ({"ordering": "reference"}, "ordering"),
    ({"page": "abc"}, "page"),
])
def test_unreadable_payment_filters_are_a_400(viewer, params, field):
    response = viewer.get(URL, params)

    assert response.status_code == 400
    assert field in response.data["fields"]


def test_payment_list_runs_a_fixed_number_of_queries(viewer, school, django_assert_max_num_queries):
    for _ in range(20):
        paid(InvoiceFactory(student__school=school), "10.00")

    # roles, school versions, count, page (invoice and student joined), allocations
    with django_assert_max_num_queries(5):
        response = viewer.get(URL, {"page_size": 100})
    assert response.status_code == 200
    assert response.data["count"] == 20

    # The same page again comes from the cache: the roles and the schools' versions only.
    with django_assert_max_num_queries(2):
        again = viewer.get(URL, {"page_size": 100})
    assert again.status_code == 200
    assert again.data == response.data


def test_retrieve_a_payment(viewer, invoice):
    payment = paid(invoice, "100.00")

    response = viewer.get(f"{URL}/{payment.pk}/")

    assert response.status_code == 200
    assert response.data["number"] == payment.number


@pytest.mark.parametrize("kind", ["foreign", "unknown", "malformed"])
def test_retrieve_of_foreign_unknown_or_malformed_payment_is_404(viewer, other_school, kind):
    other = paid(InvoiceFactory(student__school=other_school), "10.00")
    payment_id = {"foreign": str(other.pk), "unknown": str(uuid.uuid4()), "malformed": "xyz"}[kind]

    response = viewer.get(f"{URL}/{payment_id}")

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


def test_payments_of_an_invoice(viewer, invoice, school, django_assert_max_num_queries):
    first = paid(invoice, "100.00", payment_date=datetime.date(2026, 1, 1))
    second = paid(invoice, "200.00", payment_date=datetime.date(2026, 2, 1))
    paid(InvoiceFactory(student__school=school), "10.00")

    with django_assert_max_num_queries(6):  # roles, invoice, school versions, count, page, allocations
        response = viewer.get(f"{URL}/invoice/{invoice.pk}")
    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [str(second.pk), str(first.pk)]
    assert viewer.get(f"{URL}/invoice/{invoice.pk}/").data["count"] == 2


@pytest.mark.parametrize("kind", ["foreign", "unknown", "malformed"])
def test_payments_of_a_foreign_unknown_or_malformed_invoice_is_404(viewer, other_school, kind):
    other = InvoiceFactory(student__school=other_school)
    paid(other, "10.00")
    invoice_id = {"foreign": str(other.pk), "unknown": str(uuid.uuid4()), "malformed": "xyz"}[kind]

    response = viewer.get(f"{URL}/invoice/{invoice_id}")

    assert response.status_code == 404
