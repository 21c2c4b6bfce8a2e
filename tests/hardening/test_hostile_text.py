"""SQL-looking and unusual text goes in through every text field and comes back byte for byte.

Every query is built by the ORM or with parameters; these inputs prove it from the outside. The
tables are still there (and counted) at the end of each test.
"""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from billing import services
from billing.models import Invoice, Payment
from schools.models import School
from students.models import Student
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db

HOSTILE = [
    "'; DROP TABLE billing_invoice; --",
    '" OR 1=1 --',
    "Robert'); DROP TABLE students_student;--",
    "1' UNION SELECT username, password FROM users_user --",
    "%' AND 1=(SELECT COUNT(*) FROM billing_payment) AND '%'='",
    "\\'; SELECT pg_sleep(5); --",
    "50%_off \\ back\\slash",
    "Ñandú Ç ü — 名前 😀 𝄞",
    "<script>alert('x')</script>",
    "$$; DELETE FROM billing_payment; $$",
]


def fit(text: str, length: int) -> str:
    """The text cut to a field's max length (text fields trim surrounding spaces, as DRF does)."""
    return text[:length].strip()


@pytest.fixture
def staff(school, admin_user):
    return {
        "platform": authenticated_client(admin_user),
        "admin": authenticated_client(member(school, Role.ADMIN)),
        "accountant": authenticated_client(member(school, Role.ACCOUNTANT)),
    }


def _tables_intact():
    # Each count is a query against the table the payloads try to drop.
    return [School.objects.count() >= 0, Student.objects.count() >= 0,
            Invoice.objects.count() >= 0, Payment.objects.count() >= 0]


@pytest.mark.parametrize("text", HOSTILE)
def test_school_name_address_and_phone_come_back_intact_and_are_searchable(staff, text):
    created = staff["platform"].post(
        "/api/v1/schools", {"name": text, "address": text, "phone": fit(text, 40)}, format="json"
    )
    assert created.status_code == 201, created.json()
    read = staff["platform"].get(f"/api/v1/schools/{created.json()['id']}").json()
    assert (read["name"], read["address"], read["phone"]) == (text, text, fit(text, 40))
    found = staff["platform"].get("/api/v1/schools?" + urlencode({"search": text}))
    assert found.status_code == 200
    assert [row["id"] for row in found.json()["results"]] == [created.json()["id"]]
    assert all(_tables_intact())


@pytest.mark.parametrize("text", HOSTILE)
def test_student_names_and_grade_come_back_intact_and_are_searchable(staff, school, text):
    created = staff["admin"].post(
        "/api/v1/students",
        {"school_id": str(school.pk), "first_name": text, "last_name": text, "grade": fit(text, 50)},
        format="json",
    )
    assert created.status_code == 201, created.json()
    read = staff["admin"].get(f"/api/v1/students/{created.json()['id']}").json()
    assert (read["first_name"], read["last_name"], read["grade"]) == (text, text, fit(text, 50))
    found = staff["admin"].get("/api/v1/students?" + urlencode({"search": text}))
    assert [row["id"] for row in found.json()["results"]] == [created.json()["id"]]
    assert all(_tables_intact())


@pytest.mark.parametrize("text", HOSTILE)
def test_invoice_description_and_payment_reference_come_back_intact(staff, school, text):
    student = StudentFactory(school=school, first_name=text)
    invoice = staff["accountant"].post(
        "/api/v1/invoices",
        {"student_id": str(student.pk), "amount": "300.00", "due_date": "2099-01-31", "description": text},
        format="json",
    )
    assert invoice.status_code == 201, invoice.json()
    invoice_id = invoice.json()["id"]
    assert staff["accountant"].get(f"/api/v1/invoices/{invoice_id}").json()["description"] == text
    # Invoices are searched by student name: the hostile first name finds exactly this one.
    found = staff["accountant"].get("/api/v1/invoices?" + urlencode({"search": text}))
    assert [row["id"] for row in found.json()["results"]] == [invoice_id]

    payment = staff["accountant"].post(
        "/api/v1/payments",
        {"invoice_id": invoice_id, "amount": "100.00", "method": "CHECK", "reference": fit(text, 100)},
        format="json",
    )
    assert payment.status_code == 201, payment.json()
    listed = staff["accountant"].get("/api/v1/payments?" + urlencode({"search": fit(text, 100)})).json()
    assert [(row["id"], row["reference"]) for row in listed["results"]] == [
        (payment.json()["id"], fit(text, 100))
    ]
    assert all(_tables_intact())


@pytest.mark.parametrize(
    "path",
    ["/api/v1/schools", "/api/v1/students", "/api/v1/invoices", "/api/v1/payments",
     "/api/v1/reports/students/balance", "/api/v1/reports/invoices/overdue"],
)
@pytest.mark.parametrize("text", HOSTILE[:3])
def test_sql_in_search_filter_and_ordering_parameters_is_data_or_a_400_never_a_500(staff, path, text):
    for params in ({"search": text}, {"ordering": text}, {"school_id": text}, {"status": text},
                   {"date_from": text}, {"page": text}, {"page_size": text}):
        response = staff["platform"].get(path + "?" + urlencode(params))
        assert response.status_code in (200, 400, 404), (params, response.status_code)
        if response.status_code != 200:
            assert response.json()["code"] in {"validation_error", "not_found"}, response.json()
    assert all(_tables_intact())


def test_a_nul_character_is_a_validation_error_not_a_database_error(staff, school):
    response = staff["admin"].post(
        "/api/v1/students",
        {"school_id": str(school.pk), "first_name": "Ana\x00", "last_name": "Pérez"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert not Student.objects.filter(last_name="Pérez").exists()


def test_hostile_text_reaches_statements_and_reports_intact(staff, school):
    text = HOSTILE[0]
    student = StudentFactory(school=school, first_name=text, last_name=HOSTILE[1])
    invoice = services.invoice_create(
        student_id=student.pk, amount=Decimal("100.00"), due_date=date(2020, 1, 31), description=text
    )
    statement = staff["platform"].get(f"/api/v1/students/{student.pk}/statement")
    assert statement.status_code == 200
    assert text in statement.content.decode()
    overdue = staff["platform"].get("/api/v1/reports/invoices/overdue?" + urlencode({"school_id": school.pk}))
    assert overdue.status_code == 200
    assert any(text in str(row.values()) for row in overdue.json()["results"]), invoice.number


def test_an_email_with_quotes_and_dashes_is_stored_and_found_as_written(staff, school):
    email = "o'brien+--1=1@example.com"  # a valid address that reads like SQL
    created = staff["admin"].post(
        "/api/v1/students",
        {"school_id": str(school.pk), "first_name": "Ana", "last_name": "O'Brien", "email": email},
        format="json",
    )
    assert created.status_code == 201, created.json()
    found = staff["admin"].get("/api/v1/students?" + urlencode({"search": "o'brien+--1=1"}))
    assert [(row["id"], row["email"]) for row in found.json()["results"]] == [(created.json()["id"], email)]


@pytest.mark.parametrize("text", HOSTILE[:4])
def test_sql_in_a_username_is_refused_at_register_and_unknown_at_login(api_client, text):
    register = api_client.post(
        "/api/v1/auth/register",
        {"username": text, "email": "x@example.com", "password": "a-long-unusual-passphrase"},
        format="json",
    )
    login = api_client.post("/api/v1/auth/login", {"username": text, "password": "x"}, format="json")
    assert register.status_code == 400 and register.json()["code"] == "validation_error"
    assert login.status_code == 401
    assert all(_tables_intact())
