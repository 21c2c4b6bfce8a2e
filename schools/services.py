"""Writes of schools. Each is one transaction and bumps the school's cache version when it
changes something a cached statement or report shows (the name, whether it is active)."""

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import connection, transaction
from django.db.models import F

from core.rows import row_get
from core.unchanged import UNCHANGED, Unchanged, changes_apply, given
from schools.models import School

if TYPE_CHECKING:  # users sits above schools: the actor is only a type here
    from users.models import User


def school_cache_version_bump(*, school_ids: Iterable[UUID]) -> None:
    """Invalidate every cached statement and report of these schools.

    Call it inside the transaction of the money write, after the invoice rows are locked (lock
    order: invoice rows, then the school row), so the new version commits with the write.
    """
    ids = sorted(set(school_ids))
    if len(ids) == 1:
        # Every money write ends here: the one-school case as a plain statement (the ORM's UPDATE
        # compile cost more CPU than the statement itself; bench/README.md).
        quote, pk = connection.ops.quote_name, School._meta.pk
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(School._meta.db_table)} SET cache_version = cache_version + 1 "  # noqa: S608
                f"WHERE {quote(pk.column)} = %s",
                [pk.get_db_prep_value(ids[0], connection)],
            )
    elif ids:
        School.objects.filter(pk__in=ids).update(cache_version=F("cache_version") + 1)


@transaction.atomic
def school_create(
    *, name: str, address: str = "", phone: str = "", email: str = "", actor: "User | None" = None
) -> School:
    """Register a school (platform admins only; the caller checks). Not idempotent."""
    school = School(name=name, address=address, phone=phone, email=email)
    school.full_clean(validate_unique=False, validate_constraints=False)
    school.save(force_insert=True)
    return school


@transaction.atomic
def school_update(
    *,
    school_id: UUID,
    actor: "User | None" = None,
    name: str | Unchanged = UNCHANGED,
    address: str | Unchanged = UNCHANGED,
    phone: str | Unchanged = UNCHANGED,
    email: str | Unchanged = UNCHANGED,
    is_active: bool | Unchanged = UNCHANGED,
    earliest_payment_date: date | None | Unchanged = UNCHANGED,
) -> School:
    """Change a school's contact data, name, active flag or payment date limit; only the fields
    given change.

    Locks the school row. Bumps the cache version when the name or the active flag changes,
    in the same transaction. Raises NotFound. Safe to retry.
    """
    changes = given(name=name, address=address, phone=phone, email=email, is_active=is_active,
                    earliest_payment_date=earliest_payment_date)
    school = row_get(School, school_id, lock=True)
    changed = changes_apply(school, changes)
    if not changed:
        return school
    school.full_clean(validate_unique=False, validate_constraints=False)
    # Cached pages show the school (the schools list every field of it, statements its name): the
    # row is locked and saved anyway, so the version is bumped in the same UPDATE.
    school.cache_version = F("cache_version") + 1
    school.save(update_fields=[*changed, "updated_at", "cache_version"])
    school.refresh_from_db(fields=["cache_version"])
    return school


def school_deactivate(*, school_id: UUID, actor: "User | None" = None) -> School:
    """Soft-delete a school: it stays with its students and invoices, marked inactive.

    New invoices cannot be issued to its students. Safe to retry.
    """
    return school_update(school_id=school_id, actor=actor, is_active=False)
