"""Issue 13: items 3 (lowering an amount is ADMIN's), 4 (adding members), 10 (backdated payments),
and the earlier API's clients (PUT echoing student_id, malformed ids in bodies)."""

import datetime
import uuid
from decimal import Decimal

import pytest

from billing.models import Invoice, Payment
from core.dates import local_today
from tests.backoffice.conftest import client_for, staff_member
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from tests.users.factories import MembershipFactory, UserFactory
from users.models import Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(school):
    return InvoiceFactory(
        student=StudentFactory(school=school), amount=Decimal("1000.00"),
        due_date=local_today() + datetime.timedelta(days=5),
    )


# --- item 3: an ACCOUNTANT cannot write debt off -------------------------------------------------


def test_an_accountant_cannot_lower_an_amount_and_nothing_changes(invoice, accountant):
    answer = accountant.patch(f"/api/v1/invoices/{invoice.pk}", {"amount": "0.01"}, format="json")
    assert answer.status_code == 403
    assert answer.json()["code"] == "amount_decrease_not_allowed"
    assert Invoice.objects.get(pk=invoice.pk).amount == Decimal("1000.00")


def test_an_accountant_may_still_raise_an_amount_and_edit_the_rest(invoice, accountant):
    answer = accountant.patch(
        f"/api/v1/invoices/{invoice.pk}", {"amount": "1200.00", "description": "x"}, format="json"
    )
    assert answer.status_code == 200
    assert Invoice.objects.get(pk=invoice.pk).amount == Decimal("1200.00")


def test_a_school_admin_lowers_an_amount(invoice, school_admin):
    answer = school_admin.patch(f"/api/v1/invoices/{invoice.pk}", {"amount": "900.00"}, format="json")
    assert answer.status_code == 200
    assert Invoice.objects.get(pk=invoice.pk).amount == Decimal("900.00")


def test_the_admin_site_refuses_an_accountant_lowering_an_amount(school, invoice):
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    answer = client.post(
        f"/admin/billing/invoice/{invoice.pk}/change/",
        {"amount": "0.01", "due_date": invoice.due_date.isoformat(), "description": "x"},
    )
    assert answer.status_code == 200  # the form again, with the error
    assert "Only a school ADMIN can lower" in answer.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).amount == Decimal("1000.00")


# --- item 4: a school ADMIN adds only users of no school -----------------------------------------


def _add(client, school, username):
    return client.post(f"/api/v1/schools/{school.pk}/members", {"username": username, "role": "VIEWER"},
                       format="json")


def test_a_user_of_another_school_looks_exactly_like_an_unknown_username(school, other_school, school_admin):
    stranger = member(other_school, Role.ACCOUNTANT)
    foreign = _add(school_admin, school, stranger.username)
    unknown = _add(school_admin, school, "nobody-at-all")
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == unknown.json()
    assert stranger.email not in foreign.content.decode()
    assert not Membership.objects.filter(user=stranger, school=school).exists()


def test_a_school_admin_adds_a_user_of_no_school_and_changes_a_members_role(
    school, other_school, school_admin
):
    newcomer = UserFactory()
    assert _add(school_admin, school, newcomer.username).status_code == 201
    colleague = member(school, Role.ACCOUNTANT)
    MembershipFactory(user=colleague, school=other_school, role=Role.VIEWER)
    assert _add(school_admin, school, colleague.username).status_code == 200  # a role change, in our school
    assert Membership.objects.get(user=colleague, school=school).role == Role.VIEWER


def test_a_platform_admin_attaches_a_user_to_a_further_school(admin_user, school, other_school):
    user = member(other_school, Role.ADMIN)
    assert _add(authenticated_client(admin_user), school, user.username).status_code == 201


# --- item 10: backdated payments -------------------------------------------------------------------


def _pay(client, invoice, day):
    return client.post("/api/v1/payments", {"invoice_id": str(invoice.pk), "amount": "10.00",
                                            "method": "CASH", "payment_date": day}, format="json")


def test_a_payment_dated_1900_is_a_400_and_records_nothing(invoice, accountant):
    answer = _pay(accountant, invoice, "1900-01-01")
    assert answer.status_code == 400
    assert answer.json()["code"] == "payment_date_too_old"
    assert "payment_date" in answer.json()["fields"]
    assert not Payment.objects.exists()


def test_the_default_limit_is_the_start_of_last_year(invoice, accountant):
    start_of_last_year = datetime.date(local_today().year - 1, 1, 1)
    day_before = start_of_last_year - datetime.timedelta(days=1)
    assert _pay(accountant, invoice, day_before.isoformat()).status_code == 400
    assert _pay(accountant, invoice, start_of_last_year.isoformat()).status_code == 201


def test_the_school_sets_its_own_limit(school, invoice, school_admin):
    limit = local_today() - datetime.timedelta(days=30)
    answer = school_admin.patch(f"/api/v1/schools/{school.pk}", {"earliest_payment_date": limit.isoformat()},
                         format="json")
    assert answer.status_code == 200
    assert answer.json()["earliest_payment_date"] == limit.isoformat()
    assert _pay(school_admin, invoice, (limit - datetime.timedelta(days=1)).isoformat()).status_code == 400
    assert _pay(school_admin, invoice, limit.isoformat()).status_code == 201


# --- clients of the earlier API ----------------------------------------------------------------------


def test_put_with_the_invoices_own_student_id_echoed_back_is_accepted(invoice, accountant):
    body = accountant.get(f"/api/v1/invoices/{invoice.pk}").json()
    answer = accountant.put(f"/api/v1/invoices/{invoice.pk}", {
        "student_id": body["student_id"], "amount": body["amount"], "due_date": body["due_date"],
        "description": "Colegiatura corregida",
    }, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["description"] == "Colegiatura corregida"


def test_put_with_another_student_is_a_400_with_its_code(school, invoice, accountant):
    other = StudentFactory(school=school)
    answer = accountant.put(
        f"/api/v1/invoices/{invoice.pk}", {"student_id": str(other.pk), "description": "y"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "student_change_not_allowed"
    assert Invoice.objects.get(pk=invoice.pk).student_id == invoice.student_id


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/students", {"school_id": "not-a-uuid", "first_name": "A", "last_name": "B"}, "school_id"),
    ("/api/v1/invoices", {"student_id": 12345, "amount": "10.00", "due_date": "2026-01-10"}, "student_id"),
    ("/api/v1/payments", {"invoice_id": "12-ab", "amount": "10.00", "method": "CASH"}, "invoice_id"),
])
def test_a_malformed_uuid_in_a_body_is_a_400_naming_the_field(admin_user, path, body, field):
    answer = authenticated_client(admin_user).post(path, body, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["fields"]


def test_a_well_formed_unknown_id_in_a_body_is_still_a_404(admin_user):
    answer = authenticated_client(admin_user).post(
        "/api/v1/invoices", {"student_id": str(uuid.uuid4()), "amount": "10.00", "due_date": "2026-01-10"},
        format="json",
    )
    assert answer.status_code == 404
