"""Reads of the fee setup, always limited to the caller's schools."""

from uuid import UUID

import django_filters
from django.db.models import Prefetch, Q, QuerySet

from billing.concepts import ConceptKind
from billing.models import FeeConcept
from core.filters import SchoolRowsFilterSet
from fees.models import Discount, DiscountKind, Enrollment, FeePlan, FeePlanItem, LateFeePolicy, SchoolYear
from users.access import get_visible_or_404, scope_to_user
from users.models import User


class SchoolYearFilter(SchoolRowsFilterSet):
    class Meta:
        model = SchoolYear
        fields = ["school_id", "is_active"]


class FeePlanFilter(SchoolRowsFilterSet):
    school_year_id = django_filters.UUIDFilter(field_name="school_year_id")

    class Meta:
        model = FeePlan
        fields = ["school_id", "school_year_id", "is_active"]


class EnrollmentFilter(SchoolRowsFilterSet):
    school_year_id = django_filters.UUIDFilter(field_name="school_year_id")
    plan_id = django_filters.UUIDFilter(field_name="plan_id")
    student_id = django_filters.UUIDFilter(field_name="student_id")

    class Meta:
        model = Enrollment
        fields = ["school_id", "school_year_id", "plan_id", "student_id", "is_active"]


class DiscountFilter(SchoolRowsFilterSet):
    student_id = django_filters.UUIDFilter(field_name="student_id")
    family_id = django_filters.UUIDFilter(field_name="family_id")
    kind = django_filters.ChoiceFilter(choices=DiscountKind.choices)

    class Meta:
        model = Discount
        fields = ["school_id", "student_id", "family_id", "kind", "is_active"]


class LateFeePolicyFilter(SchoolRowsFilterSet):
    class Meta:
        model = LateFeePolicy
        fields = ["school_id", "is_active"]


def school_year_list(*, user: User) -> QuerySet[SchoolYear]:
    return scope_to_user(SchoolYear.objects.all(), user)


def school_year_get(*, user: User, school_year_id: UUID | str) -> SchoolYear:
    return get_visible_or_404(SchoolYear.objects.all(), user, school_year_id)


def _plans() -> QuerySet[FeePlan]:
    return FeePlan.objects.prefetch_related(
        Prefetch("items", queryset=FeePlanItem.objects.order_by("position"))
    )


def fee_plan_list(*, user: User) -> QuerySet[FeePlan]:
    """Plans with their items (one query for all the items of a page)."""
    return scope_to_user(_plans(), user)


def fee_plan_get(*, user: User, plan_id: UUID | str) -> FeePlan:
    return get_visible_or_404(_plans(), user, plan_id)


def enrollment_list(*, user: User) -> QuerySet[Enrollment]:
    return scope_to_user(Enrollment.objects.all(), user)


def enrollment_get(*, user: User, enrollment_id: UUID | str) -> Enrollment:
    return get_visible_or_404(Enrollment.objects.all(), user, enrollment_id)


def discount_list(*, user: User) -> QuerySet[Discount]:
    return scope_to_user(Discount.objects.all(), user)


def discount_get(*, user: User, discount_id: UUID | str) -> Discount:
    return get_visible_or_404(Discount.objects.all(), user, discount_id)


def student_discount_list(*, student) -> QuerySet[Discount]:
    """Every discount a billing run weighs for this student: their own and their family's (active
    or not, newest first), in one query."""
    applies = Q(student_id=student.pk)
    if student.family_id:
        applies |= Q(family_id=student.family_id)
    return Discount.objects.filter(applies).order_by("-is_active", "-valid_from")


def late_fee_policy_list(*, user: User) -> QuerySet[LateFeePolicy]:
    return scope_to_user(LateFeePolicy.objects.all(), user)


def late_fee_policy_get(*, user: User, policy_id: UUID | str) -> LateFeePolicy:
    return get_visible_or_404(LateFeePolicy.objects.all(), user, policy_id)


class FeeConceptFilter(SchoolRowsFilterSet):
    kind = django_filters.ChoiceFilter(choices=ConceptKind.choices)

    class Meta:
        model = FeeConcept
        fields = ["school_id", "kind", "is_active"]


def fee_concept_list(*, user: User) -> QuerySet[FeeConcept]:
    return scope_to_user(FeeConcept.objects.all(), user)


def fee_concept_get(*, user: User, concept_id: UUID | str) -> FeeConcept:
    return get_visible_or_404(FeeConcept.objects.all(), user, concept_id)


def school_year_covers(*, school_id: UUID, period) -> bool:
    """Whether an active school year of the school spans `period` (a fees.calendar.Period): a
    billing run of a month outside every school year has nothing to bill, and is refused."""
    return SchoolYear.objects.filter(
        school_id=school_id, is_active=True, starts_on__lte=period.last_day, ends_on__gte=period.first_day
    ).exists()
