import datetime
import uuid
from decimal import Decimal

import pytest

from billing.api.serializers import InvoiceOutput
from billing.models import Invoice, InvoiceStatus
from core.dates import local_today
from tests.billing.factories import InvoiceFactory, PaymentFactory
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/invoices"
OUTPUT_KEYS = {
    "id", "number", "school_id", "student_id", "student_name", "amount", "paid_amount",
    "pending_amount", "due_date", "status", "description", "created_by", "created_at", "updated_at",
    # part 2 (families and corrections): keys added, none renamed
    "credited_amount", "balance", "family_id",
    # part 2 (fee plans and the monthly run)
    "lines", "surcharge_of", "early_payment_until", "early_payment_amount",
}


def days(n: int) -> datetime.date:
    return local_today() + datetime.timedelta(days=n)


@pytest.fixture
def student(school):
    return StudentFactory(school=school, first_name="Ana", last_name="Gómez", email="ana@example.com")


def new_invoice_body(student, **overrides):
    return {"student_id": str(student.pk), "amount": "1500.00", "due_date": str(days(30)),
            "description": "Colegiatura diciembre", **overrides}


# --- list ---------------------------------------------------------------------------------------


def test_list_shows_only_the_callers_schools_invoices(viewer, school, other_school):
    mine = InvoiceFactory(student__school=school)
    InvoiceFactory(student__school=other_school)

    response = viewer.get(URL)

    assert response.status_code == 200
    assert response.data["count"] == 1
    assert [row["id"] for row in response.data["results"]] == [str(mine.pk)]
    assert set(response.data["results"][0]) == OUTPUT_KEYS


def test_list_answers_with_and_without_trailing_slash(viewer, school):
    InvoiceFactory(student__school=school)

    assert viewer.get(URL).data["count"] == 1
    assert viewer.get(URL + "/").data["count"] == 1


def test_list_derives_overdue_before_the_sweep(viewer, school):
    # Stored PARTIAL, due yesterday: the sweep has not run, the API reads OVERDUE.
    InvoiceFactory(student__school=school, due_date=days(-1), paid_amount=Decimal("100.00"),
                   status=InvoiceStatus.PARTIAL)

    row = viewer.get(URL).data["results"][0]

    assert row["status"] == "OVERDUE"
    assert row["pending_amount"] == Decimal("900.00")


def test_status_filter_uses_the_derived_status(viewer, school):
    late = InvoiceFactory(student__school=school, due_date=days(-3), status=InvoiceStatus.PENDING)
    InvoiceFactory(student__school=school, due_date=days(3))

    response = viewer.get(URL, {"status": "OVERDUE"})

    assert [row["id"] for row in response.data["results"]] == [str(late.pk)]


def test_overdue_filter_true_and_false_split_the_list(viewer, school):
    late = InvoiceFactory(student__school=school, due_date=days(-3))
    upcoming = InvoiceFactory(student__school=school, due_date=days(3))
    InvoiceFactory(student__school=school, due_date=days(-3), status=InvoiceStatus.CANCELLED)

    overdue = viewer.get(URL, {"overdue": "true"}).data["results"]
    not_overdue = viewer.get(URL, {"overdue": "false"}).data["results"]

    assert [row["id"] for row in overdue] == [str(late.pk)]
    assert str(upcoming.pk) in {row["id"] for row in not_overdue}
    assert str(late.pk) not in {row["id"] for row in not_overdue}


def test_school_student_and_due_date_filters(viewer, school, student):
    target = InvoiceFactory(student=student, due_date=datetime.date(2024, 3, 15))
    InvoiceFactory(student=student, due_date=datetime.date(2024, 5, 15))
    InvoiceFactory(student__school=school, due_date=datetime.date(2024, 3, 20))

    response = viewer.get(URL, {"school_id": str(school.pk), "student_id": str(student.pk),
                                "due_date_from": "2024-03-01", "due_date_to": "2024-03-31"})

    assert [row["id"] for row in response.data["results"]] == [str(target.pk)]


@pytest.mark.parametrize("term", ["Gómez", "ana@example", "2026-777777", "Ana Gómez"])
def test_search_finds_by_number_student_name_or_email(viewer, student, school, term):
    target = InvoiceFactory(student=student, number="2026-777777")
    InvoiceFactory(student__school=school, student__first_name="Luis", student__last_name="Ruiz")

    response = viewer.get(URL, {"search": term})

    assert [row["id"] for row in response.data["results"]] == [str(target.pk)]


def test_ordering_by_amount(viewer, school):
    InvoiceFactory(student__school=school, amount=Decimal("300.00"))
    InvoiceFactory(student__school=school, amount=Decimal("100.00"))
    InvoiceFactory(student__school=school, amount=Decimal("200.00"))

    response = viewer.get(URL, {"ordering": "amount"})

    assert [row["amount"] for row in response.data["results"]] == [100, 200, 300]


@pytest.mark.parametrize("params, field", [
    ({"status": "LATE"}, "status"),
    ({"school_id": "not-a-uuid"}, "school_id"),
    ({"student_id": "123"}, "student_id"),
    ({"due_date_from": "2024-02-30"}, "due_date_from"),
    ({"overdue": "maybe"}, "overdue"),
    ({"due_date_from": "2024-05-01", "due_date_to": "2024-04-01"}, "due_date_to"),
    ({"ordering": "password"}, "ordering"),
    ({"page": "abc"}, "page"),
    ({"page_size": "0"}, "page_size"),
])
def test_unreadable_filters_are_a_400(viewer, school, params, field):
    InvoiceFactory(student__school=school)

    response = viewer.get(URL, params)

    assert response.status_code == 400
    assert response.data["code"] == "validation_error"
    assert field in response.data["fields"]


def test_list_runs_a_fixed_number_of_queries(viewer, school, django_assert_max_num_queries):
    for _ in range(25):
        InvoiceFactory(student__school=school)

    with django_assert_max_num_queries(5):  # roles, school versions, count, page (students joined), lines
        response = viewer.get(URL, {"page_size": 100})
    assert response.status_code == 200
    assert response.data["count"] == 25

    # The same page again comes from the cache: the roles and the schools' versions only.
    with django_assert_max_num_queries(2):
        again = viewer.get(URL, {"page_size": 100})
    assert again.status_code == 200
    assert again.data == response.data


def test_platform_admin_sees_every_school(admin_user, school, other_school):
    InvoiceFactory(student__school=school)
    InvoiceFactory(student__school=other_school)

    assert authenticated_client(admin_user).get(URL).data["count"] == 2


def test_anonymous_caller_gets_401(api_client):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.data["code"] == "not_authenticated"


# --- retrieve -----------------------------------------------------------------------------------


def test_retrieve_returns_the_invoice(viewer, student):
    invoice = InvoiceFactory(student=student)

    response = viewer.get(f"{URL}/{invoice.pk}")

    assert response.status_code == 200
    assert response.data["id"] == str(invoice.pk)
    assert response.data["student_name"] == "Ana Gómez"
    assert response.data["school_id"] == str(student.school_id)


@pytest.mark.parametrize("make_id", [
    lambda other: str(other.pk),
    lambda other: str(uuid.uuid4()),
    lambda other: "not-a-uuid",
])
def test_retrieve_of_foreign_unknown_or_malformed_id_is_404(viewer, other_school, make_id):
    other = InvoiceFactory(student__school=other_school)

    response = viewer.get(f"{URL}/{make_id(other)}/")

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


# --- create -------------------------------------------------------------------------------------


def test_accountant_issues_an_invoice(accountant, accountant_user, student):
    response = accountant.post(URL, new_invoice_body(student), format="json")

    assert response.status_code == 201
    assert set(response.data) == OUTPUT_KEYS
    assert response.data["status"] == "PENDING"
    assert response.data["amount"] == Decimal("1500.00")
    assert response.data["pending_amount"] == Decimal("1500.00")
    [line] = response.data["lines"]  # a typed-in invoice is one line of its amount
    assert (line["amount"], line["concept_code"], line["period"]) == (Decimal("1500.00"), "COLEGIATURA", None)
    assert response.data["created_by"] == str(accountant_user.pk)
    invoice = Invoice.objects.get(pk=response.data["id"])
    assert invoice.school_id == student.school_id
    assert invoice.number == response.data["number"]
    # The view renders through core.api.output_body (fields built once per process): the same body.
    assert response.data == InvoiceOutput(Invoice.objects.with_current_status().get(pk=invoice.pk)).data


def test_invoice_with_a_past_due_date_is_issued_overdue(accountant, student):
    response = accountant.post(URL, new_invoice_body(student, due_date=str(days(-10))), format="json")

    assert response.status_code == 201
    assert response.data["status"] == "OVERDUE"


def test_viewer_cannot_issue_an_invoice(viewer, student):
    response = viewer.post(URL, new_invoice_body(student), format="json")

    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("student_id", ["other", "unknown"])
def test_issuing_to_a_foreign_or_unknown_student_is_404(accountant, other_school, student_id):
    other = StudentFactory(school=other_school)
    body = new_invoice_body(other, student_id=str(other.pk) if student_id == "other" else str(uuid.uuid4()))

    response = accountant.post(URL, body, format="json")

    assert response.status_code == 404
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("student_id", ["not-a-uuid", 12345])
def test_issuing_to_a_malformed_student_id_is_a_400_naming_it(accountant, other_school, student_id):
    body = new_invoice_body(StudentFactory(school=other_school), student_id=student_id)

    response = accountant.post(URL, body, format="json")

    assert response.status_code == 400
    assert "student_id" in response.data["fields"]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("overrides, field", [
    ({"amount": "-10.00"}, "amount"),
    ({"amount": 0}, "amount"),
    ({"amount": "10000000000.00"}, "amount"),
    ({"amount": "1e400"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": "10.005"}, "amount"),
    ({"amount": None}, "amount"),
    ({"due_date": "2024-02-30"}, "due_date"),
    ({"due_date": "15/03/2024"}, "due_date"),
    ({"description": "x" * 256}, "description"),
    ({"paid_amount": "10.00"}, "paid_amount"),
    ({"status": "PAID"}, "status"),
])
def test_bad_invoice_input_is_a_400_and_writes_nothing(accountant, student, overrides, field):
    response = accountant.post(URL, new_invoice_body(student, **overrides), format="json")

    assert response.status_code == 400
    assert response.data["code"] in {"validation_error", "invalid_amount"}
    assert field in response.data["fields"]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("missing", ["student_id", "amount", "due_date"])
def test_missing_required_field_is_a_400(accountant, student, missing):
    body = new_invoice_body(student)
    del body[missing]

    response = accountant.post(URL, body, format="json")

    assert response.status_code == 400
    assert missing in response.data["fields"]


@pytest.mark.parametrize("raw, content_type, status", [
    ("{not json", "application/json", 400),
    ("[1, 2]", "application/json", 400),
    ("amount=1", "text/plain", 415),
])
def test_malformed_or_foreign_body_is_a_4xx(accountant, raw, content_type, status):
    response = accountant.generic("POST", URL, raw, content_type=content_type)

    assert response.status_code == status
    assert "code" in response.json()
    assert not Invoice.objects.exists()


def test_inactive_student_cannot_be_invoiced(accountant, school):
    inactive = StudentFactory(school=school, is_active=False)

    response = accountant.post(URL, new_invoice_body(inactive), format="json")

    assert response.status_code == 409
    assert response.data["code"] == "student_inactive"


# --- update -------------------------------------------------------------------------------------


def test_accountant_updates_amount_and_due_date(accountant, student):
    invoice = InvoiceFactory(student=student, amount=Decimal("1000.00"))

    response = accountant.put(f"{URL}/{invoice.pk}", {"amount": "1200.50", "due_date": str(days(-1))},
                              format="json")

    assert response.status_code == 200
    assert response.data["amount"] == Decimal("1200.50")
    assert response.data["status"] == "OVERDUE"
    invoice.refresh_from_db()
    assert invoice.amount == Decimal("1200.50")


def test_patch_changes_only_the_fields_sent(accountant, student):
    invoice = InvoiceFactory(student=student, description="Old")

    response = accountant.patch(f"{URL}/{invoice.pk}/", {"description": "New"}, format="json")

    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.description == "New"
    assert invoice.amount == Decimal("1000.00")


def test_amount_below_what_was_paid_is_a_409(student, school_admin):
    invoice = InvoiceFactory(student=student, paid_amount=Decimal("600.00"), status=InvoiceStatus.PARTIAL)
    school_admin = school_admin  # lowering is ADMIN's (issue 13)

    response = school_admin.put(f"{URL}/{invoice.pk}", {"amount": "500.00"}, format="json")

    assert response.status_code == 409
    assert response.data["code"] == "amount_below_paid"
    invoice.refresh_from_db()
    assert invoice.amount == Decimal("1000.00")


@pytest.mark.parametrize("state, code", [
    ({"status": InvoiceStatus.CANCELLED}, "invoice_cancelled"),
    ({"paid_amount": Decimal("1000.00"), "status": InvoiceStatus.PAID}, "invoice_already_paid"),
])
def test_cancelled_or_paid_invoice_cannot_be_edited(accountant, student, state, code):
    invoice = InvoiceFactory(student=student, **state)

    response = accountant.put(f"{URL}/{invoice.pk}", {"description": "x"}, format="json")

    assert response.status_code == 409
    assert response.data["code"] == code


@pytest.mark.parametrize("body, field", [
    ({}, "non_field_errors"),
    ({"student_id": str(uuid.uuid4())}, "student_id"),
    ({"amount": "-1"}, "amount"),
    ({"due_date": "2023-02-29"}, "due_date"),
])
def test_bad_update_is_a_400_and_changes_nothing(accountant, student, body, field):
    invoice = InvoiceFactory(student=student)

    response = accountant.put(f"{URL}/{invoice.pk}", body, format="json")

    assert response.status_code == 400
    assert field in response.data["fields"]
    invoice.refresh_from_db()
    assert invoice.amount == Decimal("1000.00")


def test_viewer_cannot_update(viewer, student):
    invoice = InvoiceFactory(student=student)

    response = viewer.put(f"{URL}/{invoice.pk}", {"amount": "1.00"}, format="json")

    assert response.status_code == 403


def test_update_of_another_schools_invoice_is_404(accountant, other_school):
    other = InvoiceFactory(student__school=other_school)

    response = accountant.put(f"{URL}/{other.pk}", {"amount": "1.00"}, format="json")

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.amount == Decimal("1000.00")


# --- cancel -------------------------------------------------------------------------------------


def test_admin_cancels_an_invoice(school_admin, student):
    invoice = InvoiceFactory(student=student)

    response = school_admin.delete(f"{URL}/{invoice.pk}")

    assert response.status_code == 200
    assert response.data["status"] == "CANCELLED"
    assert response.data["pending_amount"] == Decimal("0.00")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED


def test_accountant_cannot_cancel(accountant, student):
    invoice = InvoiceFactory(student=student)

    response = accountant.delete(f"{URL}/{invoice.pk}/")

    assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PENDING


def test_invoice_with_payments_cannot_be_cancelled(school_admin, student):
    invoice = InvoiceFactory(student=student, paid_amount=Decimal("100.00"), status=InvoiceStatus.PARTIAL)
    PaymentFactory(invoice=invoice, amount=Decimal("100.00"))

    response = school_admin.delete(f"{URL}/{invoice.pk}")

    assert response.status_code == 409
    assert response.data["code"] == "invoice_has_payments"
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIAL


def test_cancelling_twice_is_a_409(school_admin, student):
    invoice = InvoiceFactory(student=student, status=InvoiceStatus.CANCELLED)

    response = school_admin.delete(f"{URL}/{invoice.pk}")

    assert response.status_code == 409
    assert response.data["code"] == "invoice_cancelled"


def test_cancel_of_another_schools_invoice_is_404(school_admin, other_school):
    other = InvoiceFactory(student__school=other_school)

    response = school_admin.delete(f"{URL}/{other.pk}")

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == InvoiceStatus.PENDING


# --- roles are per school -----------------------------------------------------------------------


def test_a_role_in_one_school_does_not_carry_over_to_another(school, other_school):
    from users.models import Membership

    user = member(other_school, Role.ADMIN)
    Membership.objects.create(user=user, school=school, role=Role.VIEWER)
    client = authenticated_client(user)
    here = StudentFactory(school=school)
    invoice = InvoiceFactory(student=here)

    issued = client.post(URL, new_invoice_body(here), format="json")
    cancelled = client.delete(f"{URL}/{invoice.pk}")

    assert issued.status_code == 403
    assert cancelled.status_code == 403
    assert Invoice.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PENDING


def test_platform_admin_issues_and_cancels_anywhere(admin_user, student):
    client = authenticated_client(admin_user)

    issued = client.post(URL, new_invoice_body(student), format="json")
    cancelled = client.delete(f"{URL}/{issued.data['id']}")

    assert issued.status_code == 201
    assert cancelled.data["status"] == "CANCELLED"


def test_pages_neither_repeat_nor_skip_invoices_sharing_a_due_date(viewer, school):
    for _ in range(25):
        InvoiceFactory(student__school=school, due_date=days(5))

    seen = [row["id"] for page in (1, 2, 3) for row in viewer.get(URL, {"page": page, "page_size": 10})
            .data["results"]]

    assert len(seen) == len(set(seen)) == 25
