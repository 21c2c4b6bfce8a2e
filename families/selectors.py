"""Reads of families, always limited to the caller's schools."""

from uuid import UUID

import django_filters
from django import forms
from django.db.models import QuerySet

from core.filters import StrictBooleanFilter
from families.models import Family
from families.validators import validate_reference
from users.access import get_visible_or_404, scope_to_user
from users.models import User


class _ReferenceField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)
        self.validators.append(validate_reference)


class _ReferenceFilter(django_filters.CharFilter):
    field_class = _ReferenceField


class FamilyFilter(django_filters.FilterSet):
    school_id = django_filters.UUIDFilter(field_name="school_id", help_text="Only this school's families.")
    reference = _ReferenceFilter(
        field_name="reference",
        help_text="The family with this payment reference (400 when the check digits are wrong).",
    )
    rfc = django_filters.CharFilter(field_name="rfc", lookup_expr="iexact", max_length=13)
    is_active = StrictBooleanFilter()

    class Meta:
        model = Family
        fields = ["school_id", "reference", "rfc", "is_active"]


def family_list(*, user: User, school_id: UUID | None = None) -> QuerySet[Family]:
    """The families of the caller's schools (or of one of them), active or not."""
    families = scope_to_user(Family.objects.all(), user)
    if school_id is not None:
        families = families.filter(school_id=school_id)
    return families


def family_get(*, user: User, family_id: UUID | str) -> Family:
    """One family of the caller's schools; anything else (unknown, malformed, another's) is a 404."""
    return get_visible_or_404(Family.objects.all(), user, family_id)
