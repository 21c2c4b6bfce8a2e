"""Students API: scoping, ADMIN-only writes, soft delete, filters, cache version, bad input."""

import datetime
from decimal import Decimal

import pytest

from billing.models import InvoiceStatus
from core.dates import local_today
from students.models import Student
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from tests.users.factories import UserFactory
from users.models import Role

pytestmark = pytest.mark.django_db

OUTPUT_KEYS = {
    "id",
    "school_id",
    "first_name",
    "last_name",
    "full_name",
    "email",
    "grade",
    "enrolled_at",
    "is_active",
    "family_id",
    "curp",
    "level",
    "created_at",
    "updated_at",
}


@pytest.fixture
def student(school):
    return StudentFactory(school=school, first_name="Ana", last_name="López", grade="5")


@pytest.fixture
def foreign_student(other_school):
    return StudentFactory(school=other_school, first_name="Otro", last_name="Colegio")


def _versions(*schools):
    for school in schools:
        school.refresh_from_db()
    return [school.cache_version for school in schools]


# --- reads -------------------------------------------------------------------------------------


def test_list_shows_only_the_callers_schools_students(school, student, foreign_student, viewer):
    response = viewer.get("/api/v1/students")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == str(student.pk)
    assert set(body["results"][0]) == OUTPUT_KEYS
    assert body["results"][0]["school_id"] == str(school.pk)


def test_freshly_registered_user_sees_no_student(student):
    assert authenticated_client(UserFactory()).get("/api/v1/students").json()["count"] == 0


def test_filtering_by_another_schools_id_shows_nothing(student, other_school, foreign_student, viewer):
    response = viewer.get(f"/api/v1/students?school_id={other_school.pk}")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_list_filters_by_school_grade_and_active(admin_user, school, other_school):
    StudentFactory(school=school, grade="5", last_name="A")
    StudentFactory(school=school, grade="6", last_name="B")
    StudentFactory(school=school, grade="5", last_name="C", is_active=False)
    StudentFactory(school=other_school, grade="5", last_name="D")
    client = authenticated_client(admin_user)
    response = client.get(f"/api/v1/students?school_id={school.pk}&grade=5&is_active=true")
    assert [s["last_name"] for s in response.json()["results"]] == ["A"]


def test_list_searches_names_and_emails(admin_user, school):
    StudentFactory(school=school, first_name="Sofía", last_name="Ramírez", email="sofia@familia.mx")
    StudentFactory(school=school, first_name="Diego", last_name="Torres", email="diego@otra.mx")
    client = authenticated_client(admin_user)
    assert [s["first_name"] for s in client.get("/api/v1/students?search=ramírez").json()["results"]] == [
        "Sofía"
    ]
    assert [s["first_name"] for s in client.get("/api/v1/students?search=otra.mx").json()["results"]] == [
        "Diego"
    ]


def test_list_orders_by_an_allowed_field(admin_user, school):
    StudentFactory(school=school, last_name="Zeta", grade="1")
    StudentFactory(school=school, last_name="Alfa", grade="9")
    names = [
        s["last_name"]
        for s in authenticated_client(admin_user).get("/api/v1/students?ordering=-grade").json()["results"]
    ]
    assert names == ["Alfa", "Zeta"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("school_id=abc", "school_id"),
        ("is_active=maybe", "is_active"),
        ("ordering=password", "ordering"),
        ("page=abc", "page"),
        ("page_size=-1", "page_size"),
        ("search=a%00b", "search"),
        ("grade=" + "x" * 51, "grade"),
    ],
)
def test_list_refuses_bad_query_parameters(admin_user, query, field):
    response = authenticated_client(admin_user).get(f"/api/v1/students?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]


def test_page_past_the_end_is_404(admin_user, student):
    response = authenticated_client(admin_user).get("/api/v1/students?page=9")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_page_size_is_capped_at_100(admin_user, school):
    StudentFactory.create_batch(101, school=school)
    response = authenticated_client(admin_user).get("/api/v1/students?page_size=500")
    assert len(response.json()["results"]) == 100
    assert response.json()["next"] is not None


@pytest.mark.parametrize("path", ["/api/v1/students", "/api/v1/students/"])
def test_list_answers_with_and_without_a_trailing_slash(admin_user, path):
    assert authenticated_client(admin_user).get(path).status_code == 200


def test_student_list_runs_a_bounded_number_of_queries(school, django_assert_max_num_queries, viewer):
    StudentFactory.create_batch(40, school=school)
    with django_assert_max_num_queries(4):  # memberships, school versions, count, page
        response = viewer.get("/api/v1/students?page_size=100")
    assert response.status_code == 200
    assert response.json()["count"] == 40
    with django_assert_max_num_queries(2):  # the same page again, cached: memberships, versions
        again = viewer.get("/api/v1/students?page_size=100")
    assert again.json() == response.json()


def test_school_students_lists_one_schools_students(school, student, foreign_student, admin_user):
    StudentFactory(school=school, last_name="Zeta", is_active=False)
    client = authenticated_client(admin_user)
    response = client.get(f"/api/v1/schools/{school.pk}/students?is_active=true")
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [str(student.pk)]


def test_school_students_of_another_school_is_404(other_school, foreign_student, school_admin):
    for path in [
        f"/api/v1/schools/{other_school.pk}/students",
        f"/api/v1/schools/{other_school.pk}/students/",
    ]:
        response = school_admin.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_school_students_runs_a_bounded_number_of_queries(school, django_assert_max_num_queries, viewer):
    StudentFactory.create_batch(30, school=school)
    with django_assert_max_num_queries(5):  # memberships, school versions, school, count, page
        response = viewer.get(f"/api/v1/schools/{school.pk}/students/")
    assert response.status_code == 200
    assert response.json()["count"] == 30


def test_retrieve_a_student_of_my_school(student, viewer):
    response = viewer.get(f"/api/v1/students/{student.pk}/")
    assert response.status_code == 200
    assert response.json()["full_name"] == "Ana López"


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_schools_student_is_404_for_every_verb(foreign_student, method, school_admin):
    response = getattr(school_admin, method)(
        f"/api/v1/students/{foreign_student.pk}", {"first_name": "X"}, format="json"
    )
    assert response.status_code == 404
    foreign_student.refresh_from_db()
    assert foreign_student.first_name == "Otro" and foreign_student.is_active


@pytest.mark.parametrize("student_id", ["abc", "00000000-0000-0000-0000-000000000000"])
def test_unknown_or_malformed_student_id_is_404(admin_user, student_id):
    response = authenticated_client(admin_user).get(f"/api/v1/students/{student_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- writes ------------------------------------------------------------------------------------


def test_school_admin_creates_a_student_and_bumps_the_cache_version(school, school_admin):
    [before] = _versions(school)
    response = school_admin.post(
        "/api/v1/students",
        {
            "school_id": str(school.pk),
            "first_name": "Luis",
            "last_name": "Mora",
            "grade": "2",
            "enrolled_at": "2025-08-18",
            "email": "luis@familia.mx",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    student = Student.objects.get(pk=body["id"])
    assert (student.school_id, student.first_name, student.enrolled_at) == (
        school.pk,
        "Luis",
        datetime.date(2025, 8, 18),
    )
    assert body["school_id"] == str(school.pk)
    assert _versions(school) == [before + 1]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ACCOUNTANT])
def test_viewer_and_accountant_cannot_create_students(school, role):
    response = authenticated_client(member(school, role)).post(
        "/api/v1/students", {"school_id": str(school.pk), "first_name": "L", "last_name": "M"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Student.objects.count() == 0


@pytest.mark.parametrize("school_id", ["other", "00000000-0000-0000-0000-000000000000"])
def test_creating_a_student_in_a_school_outside_mine_is_404(other_school, school_admin, school_id):
    school_id = str(other_school.pk) if school_id == "other" else school_id
    response = school_admin.post(
        "/api/v1/students", {"school_id": school_id, "first_name": "L", "last_name": "M"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Student.objects.count() == 0


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"first_name": ""}, "first_name"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"last_name": None}, "last_name"),
        ({"email": "nope"}, "email"),
        ({"grade": "x" * 51}, "grade"),
        ({"enrolled_at": "2024-02-30"}, "enrolled_at"),
        ({"enrolled_at": "yesterday"}, "enrolled_at"),
        ({"is_active": False}, "is_active"),
        ({"school": "x"}, "school"),
    ],
)
def test_student_create_refuses_bad_input_and_writes_nothing(school, school_admin, changes, field):
    body = {"school_id": str(school.pk), "first_name": "Luis", "last_name": "Mora", **changes}
    response = school_admin.post("/api/v1/students", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]
    assert Student.objects.count() == 0


def test_student_create_without_school_id_is_400(school_admin):
    response = school_admin.post("/api/v1/students", {"first_name": "L", "last_name": "M"}, format="json")
    assert response.status_code == 400
    assert "school_id" in response.json()["fields"]


def test_school_admin_updates_a_student_and_bumps_the_cache_version(school, student, school_admin):
    [before] = _versions(school)
    response = school_admin.put(f"/api/v1/students/{student.pk}", {"first_name": "Ana María"}, format="json")
    assert response.status_code == 200
    assert response.json()["first_name"] == "Ana María"
    student.refresh_from_db()
    assert (student.first_name, student.last_name, student.grade) == ("Ana María", "López", "5")
    assert _versions(school) == [before + 1]


def test_update_may_repeat_the_current_school_id(school, student, school_admin):
    response = school_admin.patch(
        f"/api/v1/students/{student.pk}", {"school_id": str(school.pk), "grade": "6"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["grade"] == "6"


def test_a_student_cannot_move_to_another_school(school, other_school, student, admin_user):
    response = authenticated_client(admin_user).put(
        f"/api/v1/students/{student.pk}", {"school_id": str(other_school.pk)}, format="json"
    )
    assert response.status_code == 400
    assert "school_id" in response.json()["fields"]
    student.refresh_from_db()
    assert student.school_id == school.pk


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ACCOUNTANT])
def test_viewer_and_accountant_cannot_update_or_delete_students(school, student, role):
    client = authenticated_client(member(school, role))
    assert client.put(f"/api/v1/students/{student.pk}", {"first_name": "X"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/students/{student.pk}").status_code == 403
    student.refresh_from_db()
    assert (student.first_name, student.is_active) == ("Ana", True)


def test_delete_soft_deletes_the_student_and_bumps_the_cache_version(school, student, school_admin):
    [before] = _versions(school)
    response = school_admin.delete(f"/api/v1/students/{student.pk}")
    assert response.status_code == 204
    student.refresh_from_db()
    assert student.is_active is False
    assert _versions(school) == [before + 1]
    assert school_admin.get(f"/api/v1/students/{student.pk}").json()["is_active"] is False


def test_deleting_twice_is_harmless(student, school_admin):
    assert school_admin.delete(f"/api/v1/students/{student.pk}").status_code == 204
    assert school_admin.delete(f"/api/v1/students/{student.pk}/").status_code == 204


def test_put_reactivates_a_deleted_student(school, school_admin):
    student = StudentFactory(school=school, is_active=False)
    response = school_admin.put(f"/api/v1/students/{student.pk}", {"is_active": True}, format="json")
    assert response.status_code == 200
    student.refresh_from_db()
    assert student.is_active


def test_update_with_unknown_field_is_400_and_changes_nothing(student, school_admin):
    response = school_admin.put(
        f"/api/v1/students/{student.pk}", {"first_name": "X", "frist_name": "Y"}, format="json"
    )
    assert response.status_code == 400
    assert "frist_name" in response.json()["fields"]
    student.refresh_from_db()
    assert student.first_name == "Ana"


def test_update_with_malformed_json_is_400(student, school_admin):
    response = school_admin.put(
        f"/api/v1/students/{student.pk}", data='{"first_name": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_write_needs_a_token(api_client, school):
    response = api_client.post("/api/v1/students", {"school_id": str(school.pk)}, format="json")
    assert response.status_code == 401


# --- a student's invoices ----------------------------------------------------------------------


def test_student_invoices_lists_their_invoices_with_the_status_derived_today(school, student, viewer):
    past_due = InvoiceFactory(
        student=student,
        amount=Decimal("500.00"),
        paid_amount=Decimal("200.00"),
        due_date=local_today() - datetime.timedelta(days=3),
        status=InvoiceStatus.PARTIAL,
    )
    InvoiceFactory(student=StudentFactory(school=school))  # another student's
    response = viewer.get(
        f"/api/v1/students/{student.pk}/invoices"
    )
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == str(past_due.pk)
    assert row["status"] == "OVERDUE"
    assert row["amount"] == 500.0 and row["paid_amount"] == 200.0 and row["pending_amount"] == 300.0
    assert row["school_id"] == str(school.pk) and row["student_id"] == str(student.pk)


def test_student_invoices_filters_by_status(school, student, admin_user):
    InvoiceFactory(student=student, status=InvoiceStatus.CANCELLED)
    InvoiceFactory(student=student)
    response = authenticated_client(admin_user).get(
        f"/api/v1/students/{student.pk}/invoices/?status=CANCELLED"
    )
    assert [row["status"] for row in response.json()["results"]] == ["CANCELLED"]


def test_student_invoices_refuses_an_unknown_status(admin_user, student):
    response = authenticated_client(admin_user).get(f"/api/v1/students/{student.pk}/invoices?status=LATE")
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_student_invoices_of_another_schools_student_is_404(foreign_student, school_admin):
    InvoiceFactory(student=foreign_student)
    response = school_admin.get(
        f"/api/v1/students/{foreign_student.pk}/invoices"
    )
    assert response.status_code == 404


def test_student_invoices_runs_a_bounded_number_of_queries(student, django_assert_max_num_queries, viewer):
    for _ in range(25):
        InvoiceFactory(student=student)
    with django_assert_max_num_queries(6):  # memberships, student, school versions, count, page, lines
        response = viewer.get(f"/api/v1/students/{student.pk}/invoices?page_size=100")
    assert response.status_code == 200
    assert response.json()["count"] == 25


def test_enrolling_in_a_deactivated_school_is_409(school, school_admin):
    school.is_active = False
    school.save(update_fields=["is_active"])
    response = school_admin.post(
        "/api/v1/students", {"school_id": str(school.pk), "first_name": "L", "last_name": "M"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "school_inactive"
    assert Student.objects.count() == 0
