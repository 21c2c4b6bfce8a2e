"""Students join a family of their own school; CURP and level are validated."""

import pytest

from students.models import Student
from tests.conftest import authenticated_client
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

CURP = "BOXW310820HNERXN09"


@pytest.fixture
def family(school):
    return FamilyFactory(school=school)


def _create(client, school, **extra):
    body = {"school_id": str(school.pk), "first_name": "Ana", "last_name": "López", **extra}
    return client.post("/api/v1/students", body, format="json")


def test_a_student_is_enrolled_in_a_family_with_curp_and_level(school, school_admin, family):
    response = _create(
        school_admin, school, family_id=str(family.pk), curp="boxw310820hnerxn09", level="PRIMARIA"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["family_id"], body["curp"], body["level"]) == (str(family.pk), CURP, "PRIMARIA")
    assert Student.objects.get(pk=body["id"]).family_id == family.pk


def test_a_student_without_a_family_is_billed_alone(school, school_admin):
    body = _create(school_admin, school).json()
    assert body["family_id"] is None and body["curp"] == "" and body["level"] == ""


@pytest.mark.parametrize(
    "extra, field", [({"curp": "BOXW310820HNERXN08"}, "curp"), ({"level": "UNIVERSIDAD"}, "level"),
                     ({"family_id": "abc"}, "family_id")],
)
def test_invalid_curp_level_or_family_id_is_a_400_naming_the_field(school, school_admin, extra, field):
    response = _create(school_admin, school, **extra)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Student.objects.exists()


def test_a_family_outside_the_callers_schools_is_404(school, other_school, school_admin):
    foreign = FamilyFactory(school=other_school)
    assert _create(school_admin, school, family_id=str(foreign.pk)).status_code == 404
    assert not Student.objects.exists()


def test_a_family_of_another_school_is_refused_even_for_a_platform_admin(school, other_school, admin_user):
    foreign = FamilyFactory(school=other_school)
    response = _create(authenticated_client(admin_user), school, family_id=str(foreign.pk))
    assert response.status_code == 400
    assert response.json()["code"] == "family_of_another_school"
    assert "family_id" in response.json()["fields"]


def test_an_inactive_family_takes_no_new_student(school, school_admin):
    family = FamilyFactory(school=school, is_active=False)
    response = _create(school_admin, school, family_id=str(family.pk))
    assert response.status_code == 409
    assert response.json()["code"] == "family_inactive"


def test_a_student_moves_into_and_out_of_a_family(school, school_admin, family):
    student = StudentFactory(school=school)
    response = school_admin.patch(
        f"/api/v1/students/{student.pk}", {"family_id": str(family.pk)}, format="json"
    )
    assert response.json()["family_id"] == str(family.pk)
    response = school_admin.patch(f"/api/v1/students/{student.pk}", {"family_id": None}, format="json")
    assert response.status_code == 200
    student.refresh_from_db()
    assert student.family_id is None


def test_students_filter_by_family_and_level(school, school_admin, family):
    sibling = StudentFactory(school=school, family=family, level="PRIMARIA")
    StudentFactory(school=school, family=family, level="SECUNDARIA")
    StudentFactory(school=school, level="PRIMARIA")
    results = school_admin.get(f"/api/v1/students?family_id={family.pk}&level=PRIMARIA").json()["results"]
    assert [s["id"] for s in results] == [str(sibling.pk)]
