"""The fee setup pages of the back office: set up a year and a plan, enroll a grade, scoping."""

from datetime import date
from decimal import Decimal

import pytest

from fees.models import Enrollment, FeePlan, SchoolYear
from tests.backoffice.conftest import client_for, staff_member
from tests.fees.factories import fee_plan, school_year
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def plan_form(year, *items: dict, grades: str = "[]") -> dict:
    """What the fee plan add page posts: the plan's fields, then its items as the inline formset
    numbers them."""
    form = {
        "school_year": year.pk, "name": "Primaria", "grades": grades, "is_active": "on",
        "items-TOTAL_FORMS": str(len(items)), "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for n, item in enumerate(items):
        form.update({f"items-{n}-{field}": value for field, value in item.items()})
    return form


def test_an_admin_opens_a_school_year_from_the_back_office(school):
    client = client_for(staff_member((school, Role.ADMIN)))
    answer = client.post("/admin/fees/schoolyear/add/", {
        "school": school.pk, "name": "2026-2027", "starts_on": "2026-08-17", "ends_on": "2027-07-09",
        "discount_stacking": "BEST", "discount_cap_percent": 100, "scholarship_excludes_early_payment": "on",
        "holidays": '["2026-11-16"]', "is_active": "on",
    })
    assert answer.status_code == 302, answer.content[:2000]
    year = SchoolYear.objects.get()
    assert (year.discount_stacking, year.holidays) == ("BEST", ["2026-11-16"])


def test_a_plan_and_its_items_are_saved_from_one_page(school):
    year = school_year(school)
    client = client_for(staff_member((school, Role.ADMIN)))
    answer = client.post("/admin/fees/feeplan/add/", plan_form(
        year,
        {"concept_kind": "TUITION", "description": "Colegiatura", "amount": "2500.00", "schedule": "MONTHLY",
         "months": "[9, 10, 11, 12, 1, 2, 3, 4, 5, 6]", "due_day": "10", "due_date": ""},
        {"concept_kind": "ENROLLMENT", "description": "Inscripción", "amount": "3000.00", "schedule": "ONCE",
         "due_date": "2026-08-20", "months": "[]", "due_day": ""},
        grades='["1", "2"]',
    ))
    assert answer.status_code == 302, answer.content[:3000]
    plan = FeePlan.objects.get()
    assert plan.school_id == school.pk and plan.grades == ["1", "2"]
    assert [item.concept_kind for item in plan.items.order_by("position")] == ["TUITION", "ENROLLMENT"]


def test_a_plan_item_outside_the_year_is_refused_with_a_message(school):
    year = school_year(school)
    client = client_for(staff_member((school, Role.ADMIN)))
    answer = client.post("/admin/fees/feeplan/add/", plan_form(
        year,
        {"concept_kind": "ENROLLMENT", "description": "", "amount": "3000.00", "schedule": "ONCE",
         "due_date": "2028-01-01", "months": "[]", "due_day": ""},
    ), follow=True)
    assert b"outside the school year" in answer.content
    assert not FeePlan.objects.exists()


def test_a_grade_is_enrolled_in_one_go(school):
    plan = fee_plan(school_year(school))
    third = [StudentFactory(school=school, grade="3") for _ in range(3)]
    StudentFactory(school=school, grade="4")
    client = client_for(staff_member((school, Role.ADMIN)))
    assert b"enroll-grade" in client.get("/admin/fees/enrollment/").content
    answer = client.post("/admin/fees/enrollment/enroll-grade/",
                         {"plan": plan.pk, "grade": "3", "starts_on": "2027-01-04"}, follow=True)
    assert b"3 student(s) enrolled" in answer.content
    assert set(Enrollment.objects.values_list("student_id", flat=True)) == {s.pk for s in third}
    assert set(Enrollment.objects.values_list("starts_on", flat=True)) == {date(2027, 1, 4)}


def test_an_accountant_reads_the_fee_setup_but_cannot_enroll(school):
    school_year(school)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    assert client.get("/admin/fees/schoolyear/").status_code == 200
    assert client.get("/admin/fees/schoolyear/add/").status_code == 403
    assert client.get("/admin/fees/enrollment/enroll-grade/").status_code == 403


def test_the_back_office_lists_only_the_users_schools_rows(school, other_school):
    school_year(school, name="mine")
    school_year(other_school, name="theirs")
    client = client_for(staff_member((school, Role.ADMIN)))
    page = client.get("/admin/fees/schoolyear/").content
    assert b"mine" in page and b"theirs" not in page


def test_a_month_is_previewed_then_issued_from_the_back_office(school):
    from billing.models import Invoice
    from fees import services
    from fees.models import BillingRun

    plan = fee_plan(school_year(school))
    students = [StudentFactory(school=school) for _ in range(2)]
    for student in students:
        services.enrollment_create(student_id=student.pk, plan_id=plan.pk)
    services.discount_create(
        student_id=students[0].pk, kind="SCHOLARSHIP", percent=50,
        concept_kinds=["TUITION"], valid_from=date(2026, 8, 1), reason="Beca",
    )
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    preview = client.get("/admin/fees/billingrun/issue/", {"school": school.pk, "period": "2026-12"})
    assert b"billing-run-preview-table" in preview.content and b"Issue 2 invoices" in preview.content
    # Each charge and discount totalled before anything is issued: 2 x 2,500.00 of colegiatura, one
    # 50 % beca of 1,250.00 off it.
    totals = preview.context["preview"].totals_by_line
    assert totals.pop("Colegiatura") == Decimal("5000.00")
    assert list(totals.values()) == [Decimal("-1250.00")]  # the beca's line, named in the page's language
    page = preview.content.decode()
    assert "$5,000.00" in page and "−$1,250.00" in page
    assert not Invoice.objects.exists()
    body = {"school": school.pk, "period": "2026-12", "issue": "1"}
    done = client.post("/admin/fees/billingrun/issue/", body, follow=True)
    assert b"2 invoice(s) issued" in done.content
    assert Invoice.objects.count() == 2 and BillingRun.objects.count() == 1
