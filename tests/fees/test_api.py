"""Fee setup endpoints: roles, scoping, shapes, nested items, errors."""

from datetime import date

import pytest

from fees.models import Enrollment, FeePlan, SchoolYear
from tests.fees.factories import TEN_MONTHS, fee_plan, school_year
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


def year_body(school, **overrides):
    return {"school_id": str(school.pk), "name": "2026-2027", "starts_on": "2026-08-17",
            "ends_on": "2027-07-09", **overrides}


def plan_body(year, **overrides):
    return {
        "school_year_id": str(year.pk), "name": "Primaria", "grades": ["1", "2"],
        "items": [
            {"concept_kind": "ENROLLMENT", "amount": "3000.00", "schedule": "ONCE", "due_date": "2026-08-20"},
            {"concept_kind": "TUITION", "description": "Colegiatura", "amount": 2500, "schedule": "MONTHLY",
             "months": TEN_MONTHS, "due_day": 10},
        ],
        **overrides,
    }


def test_an_admin_opens_a_school_year(school_admin, school):
    body = year_body(school, holidays=["2026-11-16"])
    answer = school_admin.post("/api/v1/school-years", body, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["discount_stacking"] == "SUM_CAPPED" and body["discount_cap_percent"] == 100
    assert body["holidays"] == ["2026-11-16"] and body["school_id"] == str(school.pk)
    assert SchoolYear.objects.filter(pk=body["id"]).exists()


def test_an_accountant_cannot_change_the_fee_setup(accountant, school):
    answer = accountant.post("/api/v1/school-years", year_body(school), format="json")
    assert answer.status_code == 403 and answer.json()["code"] == "permission_denied"
    assert not SchoolYear.objects.exists()


def test_another_schools_rows_answer_404(school_admin, other_school):
    year = school_year(other_school)
    answer = school_admin.post("/api/v1/school-years", year_body(other_school), format="json")
    assert answer.status_code == 404
    assert school_admin.get(f"/api/v1/school-years/{year.pk}").status_code == 404
    assert school_admin.post("/api/v1/fee-plans", plan_body(year), format="json").status_code == 404
    assert school_admin.get("/api/v1/school-years").json()["count"] == 0


def test_a_duplicate_school_year_name_is_a_409_naming_the_field(school_admin, school):
    school_year(school)
    answer = school_admin.post("/api/v1/school-years", year_body(school), format="json")
    assert answer.status_code == 409
    assert answer.json()["code"] == "duplicate_name" and "name" in answer.json()["fields"]


def test_a_plan_is_created_with_its_items_nested(school_admin, school):
    year = school_year(school)
    answer = school_admin.post("/api/v1/fee-plans", plan_body(year), format="json")
    assert answer.status_code == 201, answer.json()
    items = answer.json()["items"]
    assert [(i["concept_kind"], i["amount"], i["schedule"]) for i in items] == [
        ("ENROLLMENT", 3000.0, "ONCE"), ("TUITION", 2500.0, "MONTHLY"),
    ]
    assert items[0]["description"]  # defaults to the kind's name
    assert items[1]["months"] == TEN_MONTHS and items[1]["due_day"] == 10


@pytest.mark.parametrize(
    "item, field",
    [
        ({"concept_kind": "TUITION", "amount": "10.00", "schedule": "MONTHLY", "months": [13], "due_day": 10},
         "items"),
        ({"concept_kind": "TUITION", "amount": "10.00", "schedule": "MONTHLY", "months": [9]}, "items"),
        ({"concept_kind": "TUITION", "amount": "-1.00", "schedule": "ONCE", "due_date": "2026-09-01"},
         "items"),
        ({"concept_kind": "SURCHARGE", "amount": "1.00", "schedule": "ONCE", "due_date": "2026-09-01"},
         "items"),
        ({"concept_kind": "TUITION", "amount": "1.00", "schedule": "ONCE", "due_date": "2026-09-01", "x": 1},
         "items"),
    ],
)
def test_a_bad_item_is_a_400_and_writes_nothing(school_admin, school, item, field):
    year = school_year(school)
    answer = school_admin.post("/api/v1/fee-plans", plan_body(year, items=[item]), format="json")
    assert answer.status_code == 400, answer.json()
    assert answer.json()["code"] == "validation_error" and field in answer.json()["fields"]
    assert not FeePlan.objects.exists()


def test_put_replaces_a_plans_items_and_delete_deactivates_it(school_admin, school):
    plan = fee_plan(school_year(school))
    items = [{"concept_kind": "MATERIALS", "amount": "800.00", "schedule": "ONCE", "due_date": "2026-09-01"}]
    body = {"items": items, "name": "Secundaria"}
    answer = school_admin.put(f"/api/v1/fee-plans/{plan.pk}", body, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["name"] == "Secundaria"
    assert [i["concept_kind"] for i in answer.json()["items"]] == ["MATERIALS"]
    assert school_admin.delete(f"/api/v1/fee-plans/{plan.pk}").status_code == 204
    plan.refresh_from_db()
    assert plan.is_active is False


def test_the_plan_list_reads_items_in_one_query(school_admin, school, django_assert_max_num_queries):
    year = school_year(school)
    for n in range(3):
        fee_plan(year, name=f"Plan {n}")
    with django_assert_max_num_queries(5):
        answer = school_admin.get("/api/v1/fee-plans")
    assert answer.status_code == 200
    assert answer.json()["count"] == 3 and all(len(p["items"]) == 1 for p in answer.json()["results"])


def test_an_enrollment_twice_is_a_409(school_admin, school):
    plan = fee_plan(school_year(school))
    student = StudentFactory(school=school)
    body = {"student_id": str(student.pk), "plan_id": str(plan.pk), "starts_on": "2027-01-15"}
    first = school_admin.post("/api/v1/enrollments", body, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["starts_on"] == "2027-01-15"
    second = school_admin.post("/api/v1/enrollments", body, format="json")
    assert second.status_code == 409 and second.json()["code"] == "already_enrolled"
    assert Enrollment.objects.count() == 1


def test_enrollments_filter_by_student(school_admin, school):
    plan = fee_plan(school_year(school))
    students = [StudentFactory(school=school) for _ in range(2)]
    for student in students:
        school_admin.post("/api/v1/enrollments", {"student_id": str(student.pk), "plan_id": str(plan.pk)},
                          format="json")
    answer = school_admin.get(f"/api/v1/enrollments?student_id={students[0].pk}")
    assert [row["student_id"] for row in answer.json()["results"]] == [str(students[0].pk)]


def test_a_discount_is_granted_and_records_who_approved_it(school, school_admin):
    student = StudentFactory(school=school)
    body = {"student_id": str(student.pk), "kind": "SCHOLARSHIP", "percent": 25, "concept_kinds": ["TUITION"],
            "valid_from": "2026-08-01", "reason": "Beca de excelencia"}
    answer = school_admin.post("/api/v1/discounts", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["percent"] == 25 and answer.json()["amount"] is None
    assert answer.json()["approved_by_id"] is not None


def test_a_discount_with_percent_and_amount_is_a_400(school, school_admin):
    student = StudentFactory(school=school)
    body = {"student_id": str(student.pk), "kind": "OTHER", "percent": 25, "amount": "100.00",
            "concept_kinds": ["TUITION"], "valid_from": "2026-08-01", "reason": "x"}
    answer = school_admin.post("/api/v1/discounts", body, format="json")
    assert answer.status_code == 400 and "percent" in answer.json()["fields"]


def test_a_late_fee_policy_round_trips_its_tiers(school, school_admin):
    body = {"school_id": str(school.pk), "grace_days": 5, "cap": "500.00", "concept_kinds": ["TUITION"],
            "tiers": [{"from_day": 30, "percent": 5}, {"from_day": 1, "amount": "150.00"}]}
    answer = school_admin.post("/api/v1/late-fee-policies", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["tiers"] == [
        {"from_day": 1, "amount": 150.0, "percent": None}, {"from_day": 30, "amount": None, "percent": 5},
    ]
    again = school_admin.post("/api/v1/late-fee-policies", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "late_fee_policy_exists"


def test_a_viewer_reads_but_does_not_write(school, viewer):
    year = school_year(school)
    assert viewer.get("/api/v1/school-years").json()["count"] == 1
    answer = viewer.patch(f"/api/v1/school-years/{year.pk}", {"name": "x"}, format="json")
    assert answer.status_code == 403
    year.refresh_from_db()
    assert year.name == "2026-2027" and year.starts_on == date(2026, 8, 17)


def test_errors_inside_lists_read_as_flat_messages(school_admin, school):
    year = school_year(school)
    body = plan_body(year, grades=[""], items=[{"concept_kind": "TUITION", "amount": "x"}])
    answer = school_admin.post("/api/v1/fee-plans", body, format="json")
    assert answer.status_code == 400
    fields = answer.json()["fields"]
    assert all(isinstance(message, str) for messages in fields.values() for message in messages)
    assert any(message.startswith("[0].amount: ") for message in fields["items"])
    assert fields["grades"][0].startswith("[0]: ")


def test_a_discount_can_be_for_a_whole_family(school, school_admin):
    from families.services import family_create

    family = family_create(school_id=school.pk, name="Familia Pérez")
    body = {"family_id": str(family.pk), "kind": "SIBLING", "percent": 10, "concept_kinds": ["TUITION"],
            "valid_from": "2026-08-01", "reason": "Hermanos"}
    answer = school_admin.post("/api/v1/discounts", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["family_id"] == str(family.pk) and answer.json()["student_id"] is None
    both = {**body, "student_id": str(StudentFactory(school=school).pk)}
    assert school_admin.post("/api/v1/discounts", both, format="json").status_code == 400
