"""Writes of students. Each is one transaction and bumps the school's cache version, because
statements show student names and count total and active students."""

from datetime import date
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext_lazy

from core.exceptions import NotFound
from core.rows import row_get
from core.unchanged import UNCHANGED, Unchanged, changes_apply, fixed_field_check, given
from families.exceptions import FamilyInactive, FamilyOfAnotherSchool
from families.models import Family
from families.validators import normalise_curp
from schools.exceptions import SchoolInactive
from schools.models import School
from schools.services import school_cache_version_bump
from students.models import Student
from users.models import User


def _check_family(*, family_id: UUID | None, school_id: UUID) -> None:
    """A student joins only an active family of their own school. Raises FamilyOfAnotherSchool (400),
    FamilyInactive (409), NotFound."""
    if family_id is None:
        return
    family = Family.objects.filter(pk=family_id).values("school_id", "is_active").first()
    if family is None:
        raise NotFound(gettext_lazy("No such family."))
    if family["school_id"] != school_id:
        raise FamilyOfAnotherSchool()
    if not family["is_active"]:
        raise FamilyInactive()


@transaction.atomic
def student_create(
    *,
    school_id: UUID,
    first_name: str,
    last_name: str,
    email: str = "",
    grade: str = "",
    enrolled_at: date | None = None,
    family_id: UUID | None = None,
    curp: str = "",
    level: str = "",
    actor: User | None = None,
) -> Student:
    """Enrol a student in a school (the caller checks the role in that school), optionally in a
    family of that school.

    Bumps the school's cache version (statements count students). Raises SchoolInactive (409)
    for a deactivated school, FamilyOfAnotherSchool (400), FamilyInactive (409), django
    ValidationError for an invalid CURP or level. Not idempotent.
    """
    if not School.objects.filter(pk=school_id, is_active=True).exists():
        raise SchoolInactive()
    _check_family(family_id=family_id, school_id=school_id)
    student = Student(
        school_id=school_id, first_name=first_name, last_name=last_name, email=email, grade=grade,
        enrolled_at=enrolled_at, family_id=family_id, curp=normalise_curp(curp), level=level,
    )
    student.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
    student.save(force_insert=True)
    school_cache_version_bump(school_ids=[school_id])
    return student


@transaction.atomic
def student_update(
    *,
    student_id: UUID,
    actor: User | None = None,
    first_name: str | Unchanged = UNCHANGED,
    last_name: str | Unchanged = UNCHANGED,
    email: str | Unchanged = UNCHANGED,
    grade: str | Unchanged = UNCHANGED,
    enrolled_at: date | None | Unchanged = UNCHANGED,
    is_active: bool | Unchanged = UNCHANGED,
    family_id: UUID | None | Unchanged = UNCHANGED,
    curp: str | Unchanged = UNCHANGED,
    level: str | Unchanged = UNCHANGED,
    school_id: UUID | Unchanged = UNCHANGED,
) -> Student:
    """Change a student's data; only the fields given change. A student never changes school:
    their invoices were issued by this one.

    Locks the student row, then bumps the school's cache version (lock order: student, then
    school). Raises NotFound; django ValidationError for a `school_id` other than the current one,
    an invalid CURP or level; FamilyOfAnotherSchool (400), FamilyInactive (409) for a family the
    student cannot join (`family_id=None` takes them out of their family). Safe to retry.
    """
    changes = given(first_name=first_name, last_name=last_name, email=email, grade=grade,
                    enrolled_at=enrolled_at, is_active=is_active, family_id=family_id, curp=curp,
                    level=level)
    student = row_get(Student, student_id, lock=True)
    fixed_field_check(student, "school_id", school_id, gettext_lazy(
        "A student cannot move to another school; enrol them there as a new student."))
    if "curp" in changes:
        changes["curp"] = normalise_curp(changes["curp"])
    changed = changes_apply(student, changes)
    if not changed:
        return student
    if "family_id" in changed:
        _check_family(family_id=changes["family_id"], school_id=student.school_id)
    student.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
    student.save(update_fields=[*changed, "updated_at"])
    school_cache_version_bump(school_ids=[student.school_id])
    return student


def student_deactivate(*, student_id: UUID, actor: User | None = None) -> Student:
    """Soft-delete a student: kept with their invoices and payments, marked inactive, and no new
    invoice can be issued to them. Safe to retry."""
    return student_update(student_id=student_id, actor=actor, is_active=False)
