"""Reads of students, always limited to the caller's schools."""

from uuid import UUID

import django_filters
from django.db.models import QuerySet

from core.filters import StrictBooleanFilter
from students.models import Student, StudentLevel
from users.access import get_visible_or_404, scope_to_user
from users.models import User


class StudentFilter(django_filters.FilterSet):
    school_id = django_filters.UUIDFilter(field_name="school_id", help_text="Only this school's students.")
    grade = django_filters.CharFilter(field_name="grade", lookup_expr="iexact", max_length=50)
    is_active = StrictBooleanFilter()
    family_id = django_filters.UUIDFilter(field_name="family_id", help_text="Only this family's students.")
    level = django_filters.ChoiceFilter(choices=StudentLevel.choices)

    class Meta:
        model = Student
        fields = ["school_id", "grade", "is_active", "family_id", "level"]


def student_list(*, user: User, school_id: UUID | None = None) -> QuerySet[Student]:
    """The students of the caller's schools (or of one of them), active or not."""
    students = scope_to_user(Student.objects.all(), user)
    if school_id is not None:
        students = students.filter(school_id=school_id)
    return students


def student_get(*, user: User, student_id: UUID | str) -> Student:
    """One student of the caller's schools; anything else (unknown, malformed, another's) is a 404."""
    return get_visible_or_404(Student.objects.all(), user, student_id)
