"""The schools a user sees: the membership side of a school read (an app below `users` cannot
know who is a member of what)."""

from uuid import UUID

from django.db.models import QuerySet

from schools.models import School
from users.access import get_visible_or_404, scope_to_user
from users.models import User


def school_list(*, user: User) -> QuerySet[School]:
    """The schools this user may see (all of them for a platform admin), active or not."""
    return scope_to_user(School.objects.all(), user, school_field="pk")


def school_get(*, user: User, school_id: UUID | str) -> School:
    """One of the caller's schools; anything else (unknown, malformed, another's) is a 404."""
    return get_visible_or_404(School.objects.all(), user, school_id, school_field="pk")
