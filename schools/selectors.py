"""Reads of schools, always limited to the caller's schools."""

from uuid import UUID

import django_filters
from django.db.models import QuerySet

from core.filters import StrictBooleanFilter
from schools.models import School
from users.api.permissions import get_visible_or_404
from users.models import User
from users.selectors import scope_to_user


class SchoolFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = School
        fields = ["is_active"]


def school_list(*, user: User) -> QuerySet[School]:
    """The schools this user may see (all of them for a platform admin), active or not."""
    return scope_to_user(School.objects.all(), user, school_field="pk")


def school_get(*, user: User, school_id: UUID | str) -> School:
    """One of the caller's schools; anything else (unknown, malformed, another's) is a 404."""
    return get_visible_or_404(School.objects.all(), user, school_id, school_field="pk")
