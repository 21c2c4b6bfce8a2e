"""Demo data for reminders: the seed's students grouped into families, and each school's default
policy, so `make run` followed by `manage.py send_reminders` shows every step.

Siblings share their last names, so the seed's students with the same last names in a school
become one family (the payer named after them). Ids derive from the school and the names, so the
same seed gives the same families. Idempotent: a school that has families keeps them.
"""

import unicodedata
import uuid

from django.db import transaction
from django.db.models import Q

from families.models import Family, FamilyReferenceCounter
from families.validators import reference_from_number
from reminders.services import default_policy_ensure
from schools.models import School
from students.models import Student

_NAMESPACE = uuid.UUID("6f1d7c4e-2a51-4a3f-9d0e-52e0c1a7b9f3")
_PARENT_NAMES = ["Alejandra", "Roberto", "Mariana", "Jorge", "Patricia", "Fernando", "Gabriela", "Ricardo"]


def demo_reminders_prepare(*, school_ids=None) -> dict:
    """Families for the students of schools that have none, and a default policy per school."""
    schools = School.objects.order_by("name")
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    created = 0
    with transaction.atomic():
        for school in schools:
            default_policy_ensure(school_id=school.pk)
            if Family.objects.filter(school=school).exists():
                continue
            created += _families_for(school)
    return {"families": created}


def _families_for(school: School) -> int:
    groups: dict[str, list] = {}
    for student_id, last_name in (
        Student.objects.filter(school=school, family__isnull=True).order_by("last_name", "id")
        .values_list("id", "last_name")
    ):
        groups.setdefault(last_name, []).append(student_id)
    families, links = [], []
    for number, (last_name, student_ids) in enumerate(groups.items(), start=1):
        family_id = uuid.uuid5(_NAMESPACE, f"{school.pk}:{last_name}")
        first = _PARENT_NAMES[number % len(_PARENT_NAMES)]
        plain = unicodedata.normalize("NFKD", f"{first}.{last_name}".lower())
        plain = plain.encode("ascii", "ignore").decode()
        handle = "".join(ch for ch in plain if ch.isalnum() or ch == ".")
        families.append(Family(
            id=family_id, school=school, name=f"{first} {last_name}", email=f"{handle}@example.com",
            phone=f"55{(number * 7919) % 100_000_000:08d}", reference=reference_from_number(number),
            # One family in twenty asked for no reminders (shows the opt-out at work).
            reminders_opt_out=number % 20 == 0,
        ))
        links.append((family_id, student_ids))
    Family.objects.bulk_create(families, batch_size=1000)
    FamilyReferenceCounter.objects.update_or_create(school=school, defaults={"last_value": len(families)})
    for family_id, student_ids in links:
        Student.objects.filter(Q(pk__in=student_ids)).update(family_id=family_id)
    return len(families)

