"""Who may see and do what. Every scoped read in the API and the admin goes through here."""

from uuid import UUID

from users.models import Membership, User


def user_school_roles(user: User) -> dict[UUID, str]:
    """The user's role per school id, read once per request and kept on the user object."""
    cached = getattr(user, "_school_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("school_id", "role"))
        user._school_roles = cached
    return cached


def user_school_ids(user: User) -> list[UUID] | None:
    """Schools the user may see; None means every school (platform admin)."""
    if user.is_superuser:
        return None
    return list(user_school_roles(user))


def scope_to_user(queryset, user: User, *, school_field: str = "school"):
    """Limit any queryset to the rows of the user's schools."""
    school_ids = user_school_ids(user)
    if school_ids is None:
        return queryset
    return queryset.filter(**{f"{school_field}__in": school_ids})
