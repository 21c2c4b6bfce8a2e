"""Request and response shapes of invoices and payments. Shape and types only: no rules here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import InvoiceStatus, PaymentMethod
from billing.services import invoice_current_status
from core.api import InputSerializer, MoneyField, UUIDInBodyField

# A malformed id in a body is bad input (400 naming the field); a well-formed one that is unknown
# or outside the caller's schools answers 404 (the view resolves it within the caller's schools).
_ID_IN_BODY = {"help_text": "UUID of a row in one of your schools (404 otherwise)."}


# --- Invoices ----------------------------------------------------------------------------------


class InvoiceCreateInput(InputSerializer):
    student_id = UUIDInBodyField(**_ID_IN_BODY)
    amount = MoneyField(help_text="Greater than 0, two decimals at most.")
    due_date = serializers.DateField(help_text="YYYY-MM-DD. May be in the past (history loads).")
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class InvoiceUpdateInput(InputSerializer):
    """Send the fields to change; the others keep their value. The student cannot be changed."""

    student_id = UUIDInBodyField(
        required=False,
        help_text="Accepted only when it is the invoice's own student (a GET-modify-PUT client echoes "
        "it); another student is a 400 `student_change_not_allowed`.",
    )
    amount = MoneyField(required=False, help_text="Not below what was already paid.")
    due_date = serializers.DateField(required=False)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one of amount, due_date, description.")
        return attrs


@extend_schema_field(serializers.ChoiceField(choices=InvoiceStatus.choices))
class CurrentStatusField(serializers.Field):
    """The status rule applied today: the selector's SQL annotation, or the same rule in Python."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, invoice):
        return getattr(invoice, "current_status", None) or invoice_current_status(invoice)


class InvoiceOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField(help_text="Human-readable, unique per school: YYYY-NNNNNN.")
    school_id = serializers.UUIDField()
    student_id = serializers.UUIDField()
    student_name = serializers.CharField(source="student.full_name")
    amount = MoneyField()
    paid_amount = MoneyField()
    pending_amount = MoneyField(help_text="amount - paid_amount; 0 for a cancelled invoice.")
    due_date = serializers.DateField()
    status = CurrentStatusField(
        help_text="Derived with today's date: PAID, OVERDUE (past due, unpaid), PARTIAL, PENDING; "
        "CANCELLED is final."
    )
    description = serializers.CharField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# --- Payments ----------------------------------------------------------------------------------


class PaymentCreateInput(InputSerializer):
    invoice_id = UUIDInBodyField(**_ID_IN_BODY)
    amount = MoneyField(help_text="Greater than 0 and at most the invoice's pending amount.")
    payment_date = serializers.DateField(
        required=False, allow_null=True, help_text="YYYY-MM-DD; today when omitted."
    )
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="",
        help_text="Bank or gateway reference, for reconciliation.",
    )


class PaymentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField(help_text="Receipt number, unique per school: YYYY-NNNNNN.")
    invoice_id = serializers.UUIDField()
    invoice_number = serializers.CharField(source="invoice.number")
    school_id = serializers.UUIDField()
    student_id = serializers.UUIDField(source="invoice.student_id")
    student_name = serializers.CharField(source="invoice.student.full_name")
    amount = MoneyField()
    payment_date = serializers.DateField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
