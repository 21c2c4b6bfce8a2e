"""`UNCHANGED`: the default of an update service's typed keyword arguments ("leave this field as it
is"), so a call names exactly the fields it changes and None stays a value (a nullable field set to
null).

    def student_update(*, student_id: UUID, email: str | Unchanged = UNCHANGED, ...) -> Student:
        changes = given(email=email, ...)
        changed = changes_apply(student, changes)
        if changed:
            student.save(update_fields=[*changed, "updated_at"])
"""

from enum import Enum
from typing import Literal

from django.core.exceptions import ValidationError


class _Unchanged(Enum):
    UNCHANGED = "unchanged"

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged.UNCHANGED
Unchanged = Literal[_Unchanged.UNCHANGED]


def given(**fields) -> dict:
    """The fields a caller passed, in the order named."""
    return {name: value for name, value in fields.items() if value is not UNCHANGED}


def changes_apply(instance, changes: dict) -> list[str]:
    """Set on `instance` the fields of `changes` whose value differs from its own; their names,
    in the order given. Empty: nothing to validate, save or announce (a retried update is a no-op)."""
    changed = [field for field, value in changes.items() if getattr(instance, field) != value]
    for field in changed:
        setattr(instance, field, changes[field])
    return changed


def fixed_field_check(instance, field: str, value, message) -> None:
    """An update may repeat a field that never changes (a row's school, a discount's student), as a
    client sending the row back does; another value is a 400 on that field, not a silent no-op."""
    if value is not None and value is not UNCHANGED and value != getattr(instance, field):
        raise ValidationError({field: [message]})
