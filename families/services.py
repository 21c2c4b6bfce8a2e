"""Writes of families. Each is one transaction and bumps the school's cache version, because
family statements and student lists show the family's name and reference."""

from uuid import UUID

from django.db import connection, transaction
from django.utils.translation import gettext_lazy

from core.rows import row_get
from core.unchanged import UNCHANGED, Unchanged, changes_apply, fixed_field_check, given
from families.models import Family, FamilyReferenceCounter
from families.validators import normalise_rfc, reference_from_number
from schools.exceptions import SchoolInactive
from schools.models import School
from schools.services import school_cache_version_bump
from users.models import User


def family_reference_next(*, school_id: UUID) -> str:
    """The next payment reference of a school, race-free and never handed out twice.

    One upsert that increments and returns: concurrent callers queue on the counter row, and the
    counter never goes down, so a deactivated family's reference is never given to another.
    """
    table = FamilyReferenceCounter._meta.db_table
    school_field = FamilyReferenceCounter._meta.get_field("school")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (school_id, last_value) VALUES (%s, 1)
            ON CONFLICT (school_id) DO UPDATE SET last_value = {table}.last_value + 1
            RETURNING last_value
            """,  # noqa: S608 - the table name is our own constant; values are parameters
            [school_field.get_db_prep_value(school_id, connection)],
        )
        (value,) = cursor.fetchone()
    return reference_from_number(value)


def _clean(family: Family) -> None:
    family.rfc = normalise_rfc(family.rfc)
    # The reference is ours (assigned after validation), not input to check.
    family.full_clean(exclude=["school", "reference"], validate_unique=False, validate_constraints=False)


@transaction.atomic
def family_create(
    *,
    school_id: UUID,
    name: str,
    email: str = "",
    phone: str = "",
    rfc: str = "",
    legal_name: str = "",
    tax_regime: str = "",
    tax_zip: str = "",
    cfdi_use: str = "D10",
    reminders_opt_out: bool = False,
    actor: User | None = None,
) -> Family:
    """Register a paying family in a school and assign its payment reference.

    Validates the fiscal data (RFC with its check digit, or a SAT generic RFC; SAT regime and CFDI
    use codes; a 5-digit postal code): django ValidationError naming the field. Raises
    SchoolInactive (409). Not idempotent: each call is a new family with a new reference.
    """
    if not School.objects.filter(pk=school_id, is_active=True).exists():
        raise SchoolInactive()
    family = Family(
        school_id=school_id, name=name, email=email, phone=phone, rfc=rfc, legal_name=legal_name,
        tax_regime=tax_regime, tax_zip=tax_zip, cfdi_use=cfdi_use, reminders_opt_out=reminders_opt_out,
    )
    _clean(family)
    # Validate first, number last: a refused family does not burn a reference (the transaction
    # rolls the counter back anyway, but nothing is locked for nothing).
    family.reference = family_reference_next(school_id=school_id)
    family.save(force_insert=True)
    school_cache_version_bump(school_ids=[school_id])
    return family


@transaction.atomic
def family_update(
    *,
    family_id: UUID,
    actor: User | None = None,
    school_id: UUID | None = None,
    name: str | Unchanged = UNCHANGED,
    email: str | Unchanged = UNCHANGED,
    phone: str | Unchanged = UNCHANGED,
    rfc: str | Unchanged = UNCHANGED,
    legal_name: str | Unchanged = UNCHANGED,
    tax_regime: str | Unchanged = UNCHANGED,
    tax_zip: str | Unchanged = UNCHANGED,
    cfdi_use: str | Unchanged = UNCHANGED,
    reminders_opt_out: bool | Unchanged = UNCHANGED,
    is_active: bool | Unchanged = UNCHANGED,
) -> Family:
    """Change a family's contact or fiscal data; only the fields given change.

    A family never changes school and its reference never changes: `school_id` is accepted only
    as an echo of its own school. Locks the family row, then bumps the school's cache version
    (lock order: family, then school). Raises NotFound; django ValidationError for an invalid
    field or a `school_id` other than the family's. Safe to retry.
    """
    changes = given(
        name=name, email=email, phone=phone, rfc=rfc, legal_name=legal_name, tax_regime=tax_regime,
        tax_zip=tax_zip, cfdi_use=cfdi_use, reminders_opt_out=reminders_opt_out, is_active=is_active,
    )
    family = row_get(Family, family_id, lock=True)
    fixed_field_check(family, "school_id", school_id, gettext_lazy("A family cannot move to another school."))
    if "rfc" in changes:
        changes["rfc"] = normalise_rfc(changes["rfc"])
    changed = changes_apply(family, changes)
    if not changed:
        return family
    _clean(family)
    family.save(update_fields=[*changed, "updated_at"])
    school_cache_version_bump(school_ids=[family.school_id])
    return family


def family_deactivate(*, family_id: UUID, actor: User | None = None) -> Family:
    """Soft-delete a family: kept with its students, payments and reference (never reused),
    marked inactive; no student can be added to it. Safe to retry."""
    return family_update(family_id=family_id, actor=actor, is_active=False)
