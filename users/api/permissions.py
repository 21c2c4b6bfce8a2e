"""Scoping helpers for API views.

Rows of schools the caller has no membership in answer 404, as if they did not exist; rows the
caller can see but whose school role is too low for the action answer 403.
"""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from rest_framework.exceptions import NotFound, PermissionDenied

from users.models import User
from users.policy import Action, user_can
from users.selectors import scope_to_user


def get_visible_or_404(queryset: QuerySet, user: User, pk, *, school_field: str = "school") -> Model:
    """Fetch one row of the caller's schools; anything else (unknown, malformed, foreign) is 404."""
    try:
        return scope_to_user(queryset, user, school_field=school_field).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        # ValidationError: a malformed UUID, which is no more a row of ours than an unknown one.
        raise NotFound() from None


def require(user: User, action: Action, school_id: UUID) -> None:
    """403 unless the caller's role in this school allows the action."""
    if not user_can(user, action, school_id):
        raise PermissionDenied("Your role in this school does not allow this action.")
