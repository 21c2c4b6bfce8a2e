"""The demo bank statements of `seed`: every line status shows, and the overlap shows duplicates."""

import pytest

from banking.demo import demo_bank_statements_load
from banking.models import BankLine, BankLineStatus
from demo.seeding import seed_data_load
from families.models import Family
from schools.models import School
from students.models import Student
from tests.families.factories import FamilyFactory

pytestmark = pytest.mark.django_db


def _families_for_seeded_students():
    # Until `seed` makes families (issue 14), give every second student one.
    for n, student in enumerate(Student.objects.order_by("last_name", "first_name")):
        if n % 2 == 0:
            family = FamilyFactory(school=student.school, name=f"Tutor {student.last_name}")
            Student.objects.filter(pk=student.pk).update(family=family)


def test_the_demo_statements_show_every_status_and_duplicates():
    seed_data_load(schools=1, students_per_school=30, months=3, seed=7)
    if not Family.objects.exists():
        _families_for_seeded_students()
    totals = demo_bank_statements_load(seed=7, school_ids=list(School.objects.values_list("pk", flat=True)))
    assert totals["duplicates"] > 0
    assert totals["skipped"] > 0
    statuses = set(BankLine.objects.values_list("status", flat=True))
    assert {BankLineStatus.SUGGESTED, BankLineStatus.UNMATCHED, BankLineStatus.IGNORED} <= statuses
    print(totals)
