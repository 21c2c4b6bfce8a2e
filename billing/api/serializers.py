"""Request and response shapes of invoices and payments. Shape and types only: no rules here."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import InvoiceStatus, PaymentMethod, ReversalReason
from billing.services import invoice_current_status
from core.api import InputSerializer, MoneyField, UUIDInBodyField, output_body

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
            raise serializers.ValidationError(
                gettext_lazy("Send at least one of amount, due_date, description.")
            )
        return attrs


@extend_schema_field(serializers.ChoiceField(choices=InvoiceStatus.choices))
class CurrentStatusField(serializers.Field):
    """The status rule applied today: the selector's SQL annotation, or the same rule in Python."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, invoice):
        return getattr(invoice, "current_status", None) or invoice_current_status(invoice)


class InvoiceLineOutput(serializers.Serializer):
    concept_id = serializers.UUIDField()
    concept_code = serializers.CharField(source="concept.code")
    description = serializers.CharField()
    amount = MoneyField(help_text="Negative for a discount line (a beca, a sibling discount).")
    period = serializers.CharField(allow_null=True, help_text="YYYY-MM for a fee plan's monthly charge.")


class _LinesField(serializers.ListField):
    """The invoice's lines in order: prefetched by the selectors, kept by the service that just
    wrote them (`line_list`), else read."""

    def __init__(self, **kwargs):
        super().__init__(child=InvoiceLineOutput(), source="*", read_only=True, **kwargs)

    def to_representation(self, invoice):
        lines = getattr(invoice, "line_list", None)
        if lines is None:
            lines = invoice.lines.select_related("concept").order_by("position")
        return [self.child.to_representation(line) for line in lines]


class InvoiceOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField(help_text="Human-readable, unique per school: YYYY-NNNNNN.")
    school_id = serializers.UUIDField()
    student_id = serializers.UUIDField()
    student_name = serializers.CharField(source="student.full_name")
    amount = MoneyField()
    paid_amount = MoneyField(help_text="Sum of the allocations of payments that are not reversed.")
    credited_amount = MoneyField(help_text="Sum of the invoice's credit notes.")
    balance = MoneyField(help_text="amount - paid_amount - credited_amount, whatever the status.")
    pending_amount = MoneyField(help_text="The balance; 0 for a cancelled invoice.")
    family_id = serializers.UUIDField(
        source="student.family_id", allow_null=True, help_text="The student's paying family, if any."
    )
    due_date = serializers.DateField()
    status = CurrentStatusField(
        help_text="Derived with today's date: PAID, OVERDUE (past due, unpaid), PARTIAL, PENDING; "
        "CANCELLED is final."
    )
    description = serializers.CharField()
    lines = _LinesField(help_text="What the amount is made of; the lines always add up to it.")
    surcharge_of = serializers.UUIDField(
        source="surcharge_of_id", allow_null=True, help_text="For a recargo: the overdue invoice it charges."
    )
    early_payment_until = serializers.DateField(
        allow_null=True, help_text="Pronto pago: paid in full by this day, `early_payment_amount` settles it."
    )
    early_payment_amount = MoneyField(
        allow_null=True, help_text="What settles the invoice by `early_payment_until`."
    )
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


class AllocationOutput(serializers.Serializer):
    """The part of a payment applied to one invoice."""

    invoice_id = serializers.UUIDField()
    invoice_number = serializers.CharField(source="invoice.number")
    student_id = serializers.UUIDField(source="invoice.student_id")
    amount = MoneyField()
    created_at = serializers.DateTimeField()


class ReversalOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField(help_text="Reversal number, unique per school: RV-YYYY-NNNNNN.")
    school_id = serializers.UUIDField()
    payment_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=ReversalReason.choices)
    note = serializers.CharField()
    reversal_date = serializers.DateField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()


@extend_schema_field(AllocationOutput(many=True))
class _AllocationsField(serializers.Field):
    """A payment's allocations: prefetched by the selectors (`allocation_list`), set by the
    services on the payment they return, or read here."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, payment):
        rows = getattr(payment, "allocation_list", None)
        if rows is None:
            rows = payment.allocations.select_related("invoice").order_by("created_at", "invoice__number")
        return [output_body(AllocationOutput, row) for row in rows]


@extend_schema_field(ReversalOutput(allow_null=True))
class _ReversalField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, payment):
        reversal = getattr(payment, "reversal", None) if payment.is_reversed else None
        return ReversalOutput(reversal).data if reversal is not None else None


class PaymentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField(help_text="Receipt number, unique per school: YYYY-NNNNNN.")
    invoice_id = serializers.UUIDField(
        allow_null=True, help_text="The invoice of a payment against one invoice; null for a family payment."
    )
    invoice_number = serializers.CharField(source="invoice.number", allow_null=True)
    school_id = serializers.UUIDField()
    student_id = serializers.UUIDField(source="invoice.student_id", allow_null=True)
    student_name = serializers.CharField(source="invoice.student.full_name", allow_null=True)
    family_id = serializers.UUIDField(allow_null=True, help_text="The paying family, if any.")
    amount = MoneyField()
    allocations = _AllocationsField(help_text="Where the money went: one row per invoice.")
    unallocated_amount = MoneyField(
        help_text="What is left of the payment as the family's credit (0 once reversed or refunded)."
    )
    payment_date = serializers.DateField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField()
    reversed = serializers.BooleanField(source="is_reversed")
    reversal = _ReversalField(help_text="The reversal, when the payment was reversed; else null.")
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()



class AllocationRequestInput(serializers.Serializer):
    invoice_id = serializers.CharField(**_ID_IN_BODY)
    amount = MoneyField(help_text="Greater than 0 and at most the invoice's balance.")

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [gettext_lazy("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)


class FamilyPaymentCreateInput(InputSerializer):
    amount = MoneyField(help_text="Greater than 0. What is not allocated becomes the family's credit.")
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    payment_date = serializers.DateField(
        required=False, allow_null=True, help_text="YYYY-MM-DD; today when omitted."
    )
    reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="",
        help_text="Bank or gateway reference, for reconciliation.",
    )
    allocations = AllocationRequestInput(
        many=True, required=False, allow_null=True, max_length=500,
        help_text="Where the money goes. Omitted: oldest due date first across the family's open invoices.",
    )


# --- Corrections -------------------------------------------------------------------------------


class CreditNoteOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField(help_text="Credit note number, unique per school: NC-YYYY-NNNNNN.")
    school_id = serializers.UUIDField()
    invoice_id = serializers.UUIDField()
    invoice_number = serializers.CharField(source="invoice.number")
    student_id = serializers.UUIDField(source="invoice.student_id")
    amount = MoneyField()
    issue_date = serializers.DateField()
    reason = serializers.CharField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()


class CreditNoteCreateInput(InputSerializer):
    amount = MoneyField(help_text="Greater than 0 and at most the invoice's balance.")
    reason = serializers.CharField(max_length=255, help_text="Why (e.g. \"Beca 50 % otorgada en octubre\").")


class PaymentReverseInput(InputSerializer):
    reason = serializers.ChoiceField(choices=ReversalReason.choices)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    reversal_date = serializers.DateField(
        required=False, allow_null=True,
        help_text="YYYY-MM-DD, from the payment's date to today; today when omitted.",
    )


class RefundOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField(help_text="Refund number, unique per school: RE-YYYY-NNNNNN.")
    school_id = serializers.UUIDField()
    family_id = serializers.UUIDField()
    amount = MoneyField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    refund_date = serializers.DateField()
    reference = serializers.CharField()
    note = serializers.CharField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()


class RefundCreateInput(InputSerializer):
    amount = MoneyField(help_text="Greater than 0 and at most the family's credit balance.")
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    refund_date = serializers.DateField(
        required=False, allow_null=True, help_text="YYYY-MM-DD; today when omitted."
    )
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class CreditPaymentOutput(serializers.Serializer):
    payment_id = serializers.UUIDField(source="id")
    number = serializers.CharField()
    payment_date = serializers.DateField()
    amount = MoneyField()
    unallocated_amount = MoneyField()


class FamilyCreditOutput(serializers.Serializer):
    family_id = serializers.UUIDField()
    reference = serializers.CharField()
    credit_balance = MoneyField(help_text="Unallocated part of the family's payments, less refunds (>= 0).")
    payments = CreditPaymentOutput(many=True, help_text="The payments the credit is in, oldest first.")
