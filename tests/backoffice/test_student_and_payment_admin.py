import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from fees.models import Discount
from tests.backoffice.conftest import client_for, invoice, staff_member
from tests.billing.factories import PaymentFactory
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db


def statement_url(student):
    return reverse("admin:students_student_statement", args=[student.pk])


def test_student_list_shows_pending_and_overdue_balances(school, accountant, today):
    student = StudentFactory(school=school)
    invoice(school, student=student, amount="1000.00", paid="250.00", due=today - datetime.timedelta(days=3))
    invoice(school, student=student, amount="500.00")
    invoice(school, student=student, amount="900.00", status="CANCELLED",
            due=today - datetime.timedelta(days=9))

    response = client_for(accountant).get(reverse("admin:students_student_changelist"))

    row = response.context["cl"].result_list[0]
    assert row.pending_value == Decimal("1250.00")
    assert row.overdue_value == Decimal("750.00")
    assert statement_url(student) in response.content.decode()


def test_student_list_balances_cost_one_query_whatever_the_page_holds(
    school, accountant, django_assert_max_num_queries
):
    client = client_for(accountant)
    invoice(school)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("admin:students_student_changelist"))
    for _ in range(30):
        invoice(school, amount="10.00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("admin:students_student_changelist"))
    assert response.status_code == 200


def test_balance_filter_lists_students_with_overdue_debt(school, accountant, today):
    late = StudentFactory(school=school)
    invoice(school, student=late, due=today - datetime.timedelta(days=1))
    invoice(school)

    response = client_for(accountant).get(
        reverse("admin:students_student_changelist"), {"balance": "overdue"}
    )

    assert [s.pk for s in response.context["cl"].result_list] == [late.pk]


def test_statement_page_shows_movements_with_running_balance(school, accountant, today):
    student = StudentFactory(school=school, first_name="Lucía", last_name="Méndez")
    first = invoice(school, student=student, amount="1000.00", paid="400.00", status="PARTIAL",
                    due=today - datetime.timedelta(days=20))
    PaymentFactory(invoice=first, amount=Decimal("400.00"), payment_date=today - datetime.timedelta(days=10))

    response = client_for(accountant).get(statement_url(student))

    assert response.status_code == 200
    balances = [m["balance"] for m in response.context["movements"]]
    assert balances == [Decimal("1000.00"), Decimal("600.00")]
    html = response.content.decode()
    assert "Lucía Méndez" in html and "@page { size: A4;" in html
    assert 'id="closing-balance">$600.00' in html


def test_statement_period_and_letter_paper_are_selectable(school, accountant, today):
    student = StudentFactory(school=school)
    invoice(school, student=student, amount="300.00", due=datetime.date(today.year - 1, 6, 1))
    invoice(school, student=student, amount="700.00", due=datetime.date(today.year, 2, 1))

    response = client_for(accountant).get(
        statement_url(student),
        {"date_from": f"{today.year}-01-01", "date_to": f"{today.year}-12-31", "paper": "letter"},
    )

    statement = response.context["statement"]
    assert statement["summary"]["total_invoiced"] == Decimal("700.00")
    assert statement["opening_balance"] == Decimal("300.00")
    assert "@page { size: letter;" in response.content.decode()


def test_statement_with_a_reversed_period_says_so(school, accountant):
    student = StudentFactory(school=school)

    response = client_for(accountant).get(
        statement_url(student), {"date_from": "2026-12-31", "date_to": "2026-01-01"}
    )

    assert response.status_code == 200
    assert "after its end" in response.content.decode()


def test_statement_of_another_schools_student_is_not_shown(other_school, accountant):
    foreign = StudentFactory(school=other_school)

    response = client_for(accountant).get(statement_url(foreign))

    assert response.status_code == 302


def test_payment_list_is_view_only_and_scoped(school, other_school, accountant):
    mine = PaymentFactory(invoice=invoice(school, paid="100.00", status="PARTIAL"))
    PaymentFactory(invoice=invoice(other_school, paid="100.00", status="PARTIAL"))

    response = client_for(accountant).get(reverse("admin:billing_payment_changelist"))

    assert [p.pk for p in response.context["cl"].result_list] == [mine.pk]
    assert response.context["has_add_permission"] is False
    page = client_for(accountant).get(reverse("admin:billing_payment_change", args=[mine.pk]))
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False


def test_payment_list_runs_a_constant_number_of_queries(school, accountant, django_assert_max_num_queries):
    client = client_for(accountant)
    PaymentFactory(invoice=invoice(school, paid="100.00", status="PARTIAL"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("admin:billing_payment_changelist"))
    for _ in range(30):
        PaymentFactory(invoice=invoice(school, paid="100.00", status="PARTIAL"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("admin:billing_payment_changelist"))
    assert response.status_code == 200


def test_receipt_page_prints_the_receipt_number_and_what_is_left(school, accountant):
    inv = invoice(school, amount="1000.00", paid="300.00", status="PARTIAL")
    payment = PaymentFactory(invoice=inv, amount=Decimal("300.00"), reference="TRF-88")

    response = client_for(accountant).get(reverse("admin:billing_payment_receipt", args=[payment.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert payment.number in html and "TRF-88" in html and "$700.00" in html


def test_receipt_of_another_school_is_not_shown(other_school, accountant):
    payment = PaymentFactory(invoice=invoice(other_school, paid="100.00", status="PARTIAL"))

    response = client_for(accountant).get(reverse("admin:billing_payment_receipt", args=[payment.pk]))

    assert response.status_code == 302


def test_student_autocomplete_for_an_invoice_offers_only_schools_where_the_user_may_invoice(
    school, other_school
):
    user = staff_member((school, Role.ACCOUNTANT), (other_school, Role.VIEWER))
    writable = StudentFactory(school=school, last_name="Zamora")
    StudentFactory(school=other_school, last_name="Zamora")

    response = client_for(user).get(
        reverse("admin:autocomplete"),
        {"term": "Zamora", "app_label": "billing", "model_name": "invoice", "field_name": "student"},
    )

    assert [r["id"] for r in response.json()["results"]] == [str(writable.pk)]


def test_school_list_and_autocomplete_are_scoped(school, other_school, school_admin):
    client = client_for(school_admin)

    listed = client.get(reverse("admin:schools_school_changelist")).context["cl"].result_list
    found = client.get(
        reverse("admin:autocomplete"),
        {"term": "", "app_label": "students", "model_name": "student", "field_name": "school"},
    ).json()["results"]

    assert [s.pk for s in listed] == [school.pk]
    assert [r["id"] for r in found] == [str(school.pk)]


def test_viewer_cannot_add_students_or_invoices(school, viewer):
    client = client_for(viewer)

    assert client.get(reverse("admin:students_student_add")).status_code == 403
    assert client.get(reverse("admin:billing_invoice_add")).status_code == 403


def test_staff_without_memberships_sees_no_models(db):
    response = client_for(staff_member()).get(reverse("admin:index"))

    assert response.context["app_list"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/admin/students/student/not-a-uuid/statement/",
        "/admin/billing/payment/not-a-uuid/receipt/",
        "/admin/billing/invoice/not-a-uuid/register-payment/",
        "/admin/students/student/00000000-0000-0000-0000-000000000000/statement/",
    ],
)
def test_malformed_or_unknown_ids_on_back_office_pages_redirect_home(accountant, path):
    response = client_for(accountant).get(path)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_statement_with_an_impossible_date_shows_the_error_and_everything(school, accountant):
    student = StudentFactory(school=school)
    invoice(school, student=student, amount="300.00")

    response = client_for(accountant).get(statement_url(student), {"date_from": "2024-13-01", "paper": "x"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["statement"]["summary"]["total_invoiced"] == Decimal("300.00")


def test_school_admin_edits_the_school_but_cannot_deactivate_it(school, school_admin):
    response = client_for(school_admin).post(
        reverse("admin:schools_school_change", args=[school.pk]),
        {"name": "Colegio Renombrado", "address": "", "phone": "", "email": "", "is_active": ""},
    )

    assert response.status_code == 302
    school.refresh_from_db()
    assert (school.name, school.is_active) == ("Colegio Renombrado", True)


def test_renaming_a_student_in_the_admin_refreshes_the_cached_statement(school, school_admin):
    student = StudentFactory(school=school, first_name="Ana", last_name="Ruiz")
    client = client_for(school_admin)
    assert "Ana Ruiz" in client.get(statement_url(student)).content.decode()

    client.post(
        reverse("admin:students_student_change", args=[student.pk]),
        {"first_name": "Ana María", "last_name": "Ruiz", "email": "", "grade": "3", "is_active": "on"},
    )

    assert "Ana María Ruiz" in client.get(statement_url(student)).content.decode()


def test_enrolling_in_an_inactive_school_is_refused_with_a_message(school, school_admin):
    type(school).objects.filter(pk=school.pk).update(is_active=False)

    response = client_for(school_admin).post(
        reverse("admin:students_student_add"),
        {"school": school.pk, "first_name": "Leo", "last_name": "Paz", "email": "", "grade": "1",
         "is_active": "on"},
        follow=True,
    )

    assert any("inactive" in str(m) for m in response.context["messages"])
    assert not school.students.filter(first_name="Leo").exists()


def test_student_page_lists_the_discounts_the_billing_run_weighs(school, accountant):
    family = FamilyFactory(school=school)
    student = StudentFactory(school=school, family=family)
    sibling = StudentFactory(school=school, family=family)
    common = {"school": school, "concept_kinds": ["TUITION"], "valid_from": datetime.date(2026, 8, 1)}
    beca = {"kind": "SCHOLARSHIP", **common}
    Discount.objects.create(student=student, percent=50, reason="Beca SEP", **beca)
    Discount.objects.create(family=family, kind="SIBLING", amount=Decimal("250"), reason="Hermanos", **common)
    Discount.objects.create(student=sibling, percent=25, reason="Beca del hermano", **beca)

    response = client_for(accountant).get(reverse("admin:students_student_change", args=[student.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Beca SEP" in page and "50 %" in page
    assert "Hermanos" in page
    assert "Beca del hermano" not in page
    school_admin = staff_member((school, Role.ADMIN))
    assert client_for(school_admin).get(reverse("admin:students_student_add")).status_code == 200
