from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.credit import family_credit_balance
from core.api import InputSerializer, MoneyField
from families.models import Family

_SCHOOL_ID_IN_BODY = {"max_length": 64, "help_text": "UUID of one of your schools (404 otherwise)."}
_RFC_HELP = (
    "RFC: 13 characters for a person, 12 for a company, with a valid check digit; XAXX010101000 for "
    "\"público en general\". Spaces and dashes are dropped; letters upper-cased."
)


@extend_schema_field(MoneyField())
class _CreditBalanceField(serializers.Field):
    """The family's credit: annotated by the list (`credit_value`), else read from billing."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, family):
        value = getattr(family, "credit_value", None)
        if value is None:
            value = family_credit_balance(family_id=family.pk)
        return MoneyField().to_representation(value)


class FamilyOutput(serializers.ModelSerializer):
    school_id = serializers.UUIDField()
    reference = serializers.CharField(
        help_text="Payment reference to write in a bank transfer's concept (assigned, never changes)."
    )
    credit_balance = _CreditBalanceField(
        help_text="Saldo a favor: what the family paid and was not yet allocated or refunded."
    )

    class Meta:
        model = Family
        fields = [
            "id", "school_id", "name", "email", "phone", "reference", "rfc", "legal_name", "tax_regime",
            "tax_zip", "cfdi_use", "reminders_opt_out", "is_active", "credit_balance", "created_at",
            "updated_at",
        ]


class FamilyCreateInput(InputSerializer):
    school_id = serializers.CharField(**_SCHOOL_ID_IN_BODY)
    name = serializers.CharField(max_length=200, help_text="The payer's full name.")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    rfc = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text=_RFC_HELP
    )
    legal_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    tax_regime = serializers.CharField(
        max_length=3, required=False, allow_blank=True, default="", help_text="SAT c_RegimenFiscal, e.g. 605."
    )
    tax_zip = serializers.CharField(max_length=5, required=False, allow_blank=True, default="")
    cfdi_use = serializers.CharField(
        max_length=4, required=False, default="D10", help_text="SAT c_UsoCFDI; D10 for tuition."
    )
    reminders_opt_out = serializers.BooleanField(required=False, default=False)


class FamilyUpdateInput(InputSerializer):
    """Every field optional: only the fields sent change (PUT and PATCH alike)."""

    school_id = serializers.UUIDField(
        required=False,
        help_text="Accepted only when it is the family's school: a family never changes school.",
    )
    name = serializers.CharField(max_length=200, required=False)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    rfc = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text=_RFC_HELP)
    legal_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    tax_regime = serializers.CharField(max_length=3, required=False, allow_blank=True)
    tax_zip = serializers.CharField(max_length=5, required=False, allow_blank=True)
    cfdi_use = serializers.CharField(max_length=4, required=False)
    reminders_opt_out = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False, help_text="`true` reactivates a deleted family.")
