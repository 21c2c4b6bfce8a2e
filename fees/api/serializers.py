"""Request and response shapes of the fee setup. Shape and types only: the rules are in services."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from billing.concepts import ConceptKind
from core.api import FlatList, InputSerializer, MoneyField
from fees.calendar import PERIOD_PATTERN
from fees.models import DiscountKind, DiscountStacking, Schedule
from fees.services import CHARGEABLE_KINDS

# Ids in a body are plain strings: a malformed id is as unknown as one nobody has (404).
_ID_IN_BODY = {"max_length": 64, "help_text": "UUID of a row in one of your schools (404 otherwise)."}


def _kinds(**kwargs):
    return FlatList(
        child=serializers.ChoiceField(choices=CHARGEABLE_KINDS), min_length=1, max_length=10,
        help_text="Concept kinds covered: TUITION, ENROLLMENT, MATERIALS, SERVICE, OTHER.", **kwargs,
    )


# --- school years ---------------------------------------------------------------------------

class SchoolYearOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    discount_stacking = serializers.ChoiceField(choices=DiscountStacking.choices)
    discount_cap_percent = serializers.IntegerField()
    scholarship_excludes_early_payment = serializers.BooleanField()
    holidays = serializers.ListField(child=serializers.DateField())
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SchoolYearCreateInput(InputSerializer):
    school_id = serializers.CharField(**_ID_IN_BODY)
    name = serializers.CharField(max_length=50, help_text="e.g. 2026-2027; unique per school.")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(help_text="After starts_on; at most 13 months later.")
    discount_stacking = serializers.ChoiceField(
        choices=DiscountStacking.choices, default=DiscountStacking.SUM_CAPPED,
        help_text="SUM_CAPPED: discounts add up to discount_cap_percent at most; BEST: the best one wins.",
    )
    discount_cap_percent = serializers.IntegerField(min_value=0, max_value=100, default=100)
    scholarship_excludes_early_payment = serializers.BooleanField(default=True)
    holidays = FlatList(
        child=serializers.DateField(), max_length=60, default=list,
        help_text="Dates a due day moves past (to the next business day), like weekends.",
    )


class SchoolYearUpdateInput(InputSerializer):
    """Every field optional: only the fields sent change (PUT and PATCH alike)."""

    school_id = serializers.UUIDField(required=False, help_text="Accepted only when unchanged.")
    name = serializers.CharField(max_length=50, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    discount_stacking = serializers.ChoiceField(choices=DiscountStacking.choices, required=False)
    discount_cap_percent = serializers.IntegerField(min_value=0, max_value=100, required=False)
    scholarship_excludes_early_payment = serializers.BooleanField(required=False)
    holidays = FlatList(child=serializers.DateField(), max_length=60, required=False)
    is_active = serializers.BooleanField(required=False)


# --- fee plans ------------------------------------------------------------------------------

class FeePlanItemInput(InputSerializer):
    """The concept by `concept_id` (one of the school's fee concepts), or by `concept_kind` (the
    school's default concept of that kind, created on first use)."""

    concept_id = serializers.UUIDField(required=False, help_text="A fee concept of the plan's school.")
    concept_kind = serializers.ChoiceField(choices=CHARGEABLE_KINDS, required=False)
    description = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="",
        help_text="Printed on the invoice line (the month is added); default: the kind's name.",
    )
    amount = MoneyField(help_text="Greater than 0.")
    schedule = serializers.ChoiceField(choices=Schedule.choices)
    due_date = serializers.DateField(required=False, allow_null=True, default=None, help_text="ONCE only.")
    months = FlatList(
        child=serializers.IntegerField(min_value=1, max_value=12), max_length=12, required=False,
        default=list, help_text="MONTHLY only: calendar months in school-year order e.g. [9, 10, 11, 12, 1]",
    )
    due_day = serializers.IntegerField(
        min_value=1, max_value=31, required=False, allow_null=True, default=None,
        help_text="MONTHLY only: day of the month (a weekend or holiday moves to the next business day).",
    )

    def validate(self, attrs):
        if "concept_id" not in attrs and "concept_kind" not in attrs:
            raise serializers.ValidationError(
                {"concept_id": [gettext_lazy("Give concept_id or concept_kind.")]}
            )
        return attrs


class FeePlanItemOutput(serializers.Serializer):
    id = serializers.UUIDField()
    concept_id = serializers.UUIDField(allow_null=True)
    concept_kind = serializers.CharField()
    description = serializers.CharField()
    amount = MoneyField()
    schedule = serializers.ChoiceField(choices=Schedule.choices)
    due_date = serializers.DateField(allow_null=True)
    months = serializers.ListField(child=serializers.IntegerField())
    due_day = serializers.IntegerField(allow_null=True)


class FeePlanOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    school_year_id = serializers.UUIDField()
    name = serializers.CharField()
    grades = serializers.ListField(child=serializers.CharField(), help_text="Empty: every grade.")
    items = FeePlanItemOutput(many=True, source="items.all")
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class FeePlanCreateInput(InputSerializer):
    school_year_id = serializers.CharField(**_ID_IN_BODY)
    name = serializers.CharField(max_length=100)
    grades = FlatList(
        child=serializers.CharField(max_length=50), max_length=50, required=False, default=list,
        help_text="Grades the plan serves (empty: all).",
    )
    items = FlatList(child=FeePlanItemInput(), min_length=1, max_length=50)


class FeePlanUpdateInput(InputSerializer):
    """Every field optional; `items`, when sent, replace the plan's items."""

    school_year_id = serializers.UUIDField(required=False, help_text="Accepted only when unchanged.")
    name = serializers.CharField(max_length=100, required=False)
    grades = FlatList(child=serializers.CharField(max_length=50), max_length=50, required=False)
    items = FlatList(child=FeePlanItemInput(), min_length=1, max_length=50, required=False)
    is_active = serializers.BooleanField(required=False)


# --- enrollments ----------------------------------------------------------------------------

class EnrollmentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    school_year_id = serializers.UUIDField()
    student_id = serializers.UUIDField()
    plan_id = serializers.UUIDField()
    starts_on = serializers.DateField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EnrollmentCreateInput(InputSerializer):
    student_id = serializers.CharField(**_ID_IN_BODY)
    plan_id = serializers.CharField(**_ID_IN_BODY)
    starts_on = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text="Billed from this date's month on (default: the school year's start).",
    )


class EnrollmentUpdateInput(InputSerializer):
    student_id = serializers.UUIDField(required=False, help_text="Accepted only when unchanged.")
    plan_id = serializers.UUIDField(required=False, help_text="Another plan of the same school year.")
    starts_on = serializers.DateField(required=False)
    is_active = serializers.BooleanField(required=False)


# --- discounts ------------------------------------------------------------------------------

class DiscountOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    student_id = serializers.UUIDField(allow_null=True)
    family_id = serializers.UUIDField(allow_null=True)
    kind = serializers.ChoiceField(choices=DiscountKind.choices)
    percent = serializers.IntegerField(allow_null=True)
    amount = MoneyField(allow_null=True)
    concept_kinds = serializers.ListField(child=serializers.CharField())
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    early_payment_day = serializers.IntegerField(allow_null=True)
    approved_by_id = serializers.UUIDField(allow_null=True, help_text="The user who granted it.")
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DiscountCreateInput(InputSerializer):
    """For one student (`student_id`) or for every student of a family (`family_id`)."""

    student_id = serializers.CharField(required=False, **_ID_IN_BODY)
    family_id = serializers.CharField(required=False, **_ID_IN_BODY)
    kind = serializers.ChoiceField(choices=DiscountKind.choices)
    percent = serializers.IntegerField(
        min_value=1, max_value=100, required=False, allow_null=True, default=None,
        help_text="Whole percent (25 is 25 %). Either percent or amount.",
    )
    amount = MoneyField(required=False, allow_null=True, default=None, help_text="Fixed amount off.")
    concept_kinds = _kinds()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=255)
    early_payment_day = serializers.IntegerField(
        min_value=1, max_value=31, required=False, allow_null=True, default=None,
        help_text="EARLY_PAYMENT only: paid on or before this day of the due month.",
    )


class DiscountUpdateInput(InputSerializer):
    student_id = serializers.UUIDField(required=False, help_text="Accepted only when unchanged.")
    family_id = serializers.UUIDField(required=False, help_text="Accepted only when unchanged.")
    kind = serializers.ChoiceField(choices=DiscountKind.choices, required=False)
    percent = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)
    amount = MoneyField(required=False, allow_null=True)
    concept_kinds = _kinds(required=False)
    valid_from = serializers.DateField(required=False)
    valid_to = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=255, required=False)
    early_payment_day = serializers.IntegerField(min_value=1, max_value=31, required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


# --- late-fee policies ----------------------------------------------------------------------

class TierInput(InputSerializer):
    from_day = serializers.IntegerField(min_value=1, max_value=3650, help_text="Days after the due date.")
    amount = MoneyField(required=False, allow_null=True, default=None)
    percent = serializers.IntegerField(
        min_value=1, max_value=100, required=False, allow_null=True, default=None,
        help_text="Whole percent of the original invoice's amount. Either amount or percent.",
    )


class TierOutput(serializers.Serializer):
    from_day = serializers.IntegerField()
    amount = MoneyField(allow_null=True, required=False)
    percent = serializers.IntegerField(allow_null=True, required=False)

    def to_representation(self, tier):
        amount = tier.get("amount")
        return {
            "from_day": tier["from_day"],
            "amount": MoneyField().to_representation(amount) if amount is not None else None,
            "percent": tier.get("percent"),
        }


class LateFeePolicyOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    grace_days = serializers.IntegerField()
    tiers = TierOutput(many=True)
    cap = MoneyField(allow_null=True)
    concept_kinds = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class LateFeePolicyCreateInput(InputSerializer):
    school_id = serializers.CharField(**_ID_IN_BODY)
    grace_days = serializers.IntegerField(min_value=0, max_value=365, default=0)
    tiers = FlatList(child=TierInput(), min_length=1, max_length=20)
    cap = MoneyField(required=False, allow_null=True, default=None, help_text="Most recargos per invoice.")
    concept_kinds = _kinds()


class LateFeePolicyUpdateInput(InputSerializer):
    school_id = serializers.UUIDField(required=False, help_text="Accepted only when unchanged.")
    grace_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    tiers = FlatList(child=TierInput(), min_length=1, max_length=20, required=False)
    cap = MoneyField(required=False, allow_null=True)
    concept_kinds = _kinds(required=False)
    is_active = serializers.BooleanField(required=False)


# --- fee concepts ---------------------------------------------------------------------------

class FeeConceptOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ConceptKind.choices)
    deductible = serializers.BooleanField(help_text="Tuition a family may deduct (CFDI IEDU complement).")
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class FeeConceptCreateInput(InputSerializer):
    school_id = serializers.CharField(**_ID_IN_BODY)
    code = serializers.CharField(max_length=30, help_text="Unique per school, stored upper-case.")
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=ConceptKind.choices)
    deductible = serializers.BooleanField(default=False)


class FeeConceptUpdateInput(InputSerializer):
    school_id = serializers.UUIDField(required=False, help_text="Accepted only when unchanged.")
    code = serializers.CharField(max_length=30, required=False)
    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(choices=ConceptKind.choices, required=False)
    deductible = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


# --- runs -----------------------------------------------------------------------------------

class BillingRunInput(InputSerializer):
    period = serializers.RegexField(PERIOD_PATTERN, max_length=7, help_text="YYYY-MM (2000-2099).")
    dry_run = serializers.BooleanField(default=False, help_text="Count and total, issue nothing.")


class BillingRunResultOutput(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True, help_text="The recorded run; null for a dry run.")
    period = serializers.CharField()
    dry_run = serializers.BooleanField()
    students = serializers.IntegerField()
    invoices_created = serializers.IntegerField()
    lines_created = serializers.IntegerField()
    total_amount = MoneyField()
    already_issued = serializers.IntegerField(help_text="Students whose invoice was already issued.")
    credit_applied = MoneyField(help_text="Paid from family credit at once.")
    totals_by_line = serializers.DictField(
        child=MoneyField(),
        help_text="Each charge's and discount's total by line description (discounts negative): what a dry "
        "run shows before issuing.",
    )


class BillingRunOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    period = serializers.CharField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    students = serializers.IntegerField()
    invoices_created = serializers.IntegerField()
    lines_created = serializers.IntegerField()
    already_issued = serializers.IntegerField()
    total_amount = MoneyField()
    credit_applied = MoneyField()
    duration_ms = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class LateFeeRunInput(InputSerializer):
    as_of = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: today.")
    dry_run = serializers.BooleanField(default=False, help_text="Count and total, charge nothing.")


class LateFeeRunResultOutput(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True, help_text="The recorded run; null for a dry run.")
    as_of = serializers.DateField()
    dry_run = serializers.BooleanField()
    surcharges_created = serializers.IntegerField()
    total_amount = MoneyField()


class LateFeeRunOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    as_of = serializers.DateField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    surcharges_created = serializers.IntegerField()
    total_amount = MoneyField()
    duration_ms = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class WaiveInput(InputSerializer):
    reason = serializers.CharField(max_length=255)
