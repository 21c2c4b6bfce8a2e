"""students.services: every write bumps the school's cache version; a student never moves school."""

import pytest
from django.core.exceptions import ValidationError

from schools.models import School
from students.models import Student
from students.services import student_create, student_deactivate, student_update
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


def _version(school_id):
    return School.objects.get(pk=school_id).cache_version


def test_student_create_bumps_the_school_version():
    school = SchoolFactory()
    student = student_create(school_id=school.pk, first_name="Ana", last_name="Ruiz")
    assert student.is_active
    assert _version(school.pk) == 2


def test_student_update_of_the_name_bumps_the_school_version():
    student = StudentFactory()
    student_update(student_id=student.pk, last_name="Nuevo")
    assert Student.objects.get(pk=student.pk).last_name == "Nuevo"
    assert _version(student.school_id) == 2


def test_student_update_without_changes_keeps_the_version():
    student = StudentFactory()
    student_update(student_id=student.pk, first_name=student.first_name)
    assert _version(student.school_id) == 1


def test_student_update_refuses_another_school_and_changes_nothing():
    student = StudentFactory()
    other = SchoolFactory()
    with pytest.raises(ValidationError):
        student_update(student_id=student.pk, school_id=other.pk, first_name="X")
    student.refresh_from_db()
    assert (student.school_id, student.first_name) != (other.pk, "X")


def test_student_deactivate_keeps_the_row_and_bumps_the_version():
    student = StudentFactory()
    student_deactivate(student_id=student.pk)
    assert Student.objects.get(pk=student.pk).is_active is False
    assert _version(student.school_id) == 2
