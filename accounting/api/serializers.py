"""Statement query parameters, and the statements' output serializers.

accounting.selectors builds each statement as a dict of values() rows (that is what the cache
keeps); the views render it through these serializers, which are also its OpenAPI schema.
Totals and running balances are sums of many invoices: they get the reports' 16 digits, not one
amount's 12, so a large school's figures render instead of failing to quantize.
"""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from billing.models import InvoiceStatus, PaymentMethod
from core.api import MoneyField

MAX_PAGE_SIZE = 100
TOTAL_DIGITS = 16  # as reports.api.serializers' totals


class TotalField(MoneyField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", TOTAL_DIGITS)
        super().__init__(**kwargs)


class StatementQuery(serializers.Serializer):
    """`from` and `to` (YYYY-MM-DD, both optional) select invoices by due date."""

    def get_fields(self):
        # "from" is a Python keyword, so the fields are declared here rather than as attributes.
        return {
            "from": serializers.DateField(required=False),
            "to": serializers.DateField(required=False),
        }

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": [gettext_lazy("Must be on or after from.")]})
        return attrs


class SchoolStatementQuery(StatementQuery):
    def get_fields(self):
        return {
            **super().get_fields(),
            "page": serializers.IntegerField(required=False, min_value=1, default=1),
            "page_size": serializers.IntegerField(required=False, min_value=1, default=20),
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # As in every list: a page size above the maximum is served at the maximum.
        attrs["page_size"] = min(attrs["page_size"], MAX_PAGE_SIZE)
        return attrs


def query_data(request, names: tuple[str, ...]) -> dict:
    """The named query parameters that have a value (an empty `?from=` means no bound)."""
    return {name: request.query_params[name] for name in names if request.query_params.get(name)}


# --- Output -------------------------------------------------------------------------------

@extend_schema_serializer(component_name="StatementPeriod")
class PeriodOutput(serializers.Serializer):
    def get_fields(self):
        # "from" is a Python keyword, as in StatementQuery.
        return {
            "from": serializers.DateField(allow_null=True, help_text="Echo of `?from=`; null when absent."),
            "to": serializers.DateField(allow_null=True, help_text="Echo of `?to=`; null when absent."),
        }


class StudentSummaryOutput(serializers.Serializer):
    total_invoiced = TotalField(help_text="Amounts of the period's invoices, cancelled ones excluded.")
    total_paid = TotalField(help_text="What has been paid on those invoices.")
    total_pending = TotalField(help_text="Their unpaid part: total_invoiced - total_paid.")
    total_overdue = TotalField(
        help_text="Unpaid part of those whose due date has passed (derived today, before any sweep)."
    )


class SchoolSummaryOutput(StudentSummaryOutput):
    total_students = serializers.IntegerField(help_text="Students of the school, active or not.")
    active_students = serializers.IntegerField()

    def get_fields(self):
        # The counts first, as the statement lists them.
        fields = super().get_fields()
        return {name: fields[name] for name in ("total_students", "active_students")} | fields


class StatementPaymentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField(help_text="Receipt number.")
    amount = MoneyField()
    date = serializers.DateField(help_text="Payment date.")
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField()


class StudentStatementInvoiceOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    description = serializers.CharField()
    amount = MoneyField()
    paid_amount = MoneyField()
    pending_amount = MoneyField(help_text="0 for a cancelled invoice.")
    status = serializers.ChoiceField(choices=InvoiceStatus.choices, help_text="Derived with today's date.")
    due_date = serializers.DateField()
    payments = StatementPaymentOutput(many=True, help_text="Every payment of this invoice.")


class StudentMovementOutput(serializers.Serializer):
    date = serializers.DateField(help_text="Due date of a charge, payment date of a payment.")
    type = serializers.ChoiceField(choices=["CHARGE", "PAYMENT", "CREDIT_NOTE", "REVERSAL"])
    invoice_id = serializers.UUIDField()
    invoice_number = serializers.CharField()
    payment_id = serializers.UUIDField(allow_null=True)
    payment_number = serializers.CharField(allow_null=True)
    description = serializers.CharField(
        help_text="The invoice's description, the payment method, the credit note's reason or the "
        "reversal's number."
    )
    charge = MoneyField()
    credit = MoneyField()
    balance = TotalField(help_text="Running balance after this movement: what is owed.")


class StudentStatementOutput(serializers.Serializer):
    student_id = serializers.UUIDField()
    student_name = serializers.CharField()
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    period = PeriodOutput()
    summary = StudentSummaryOutput()
    opening_balance = TotalField(help_text="Charges due before `from` minus payments dated before it.")
    closing_balance = TotalField(help_text="opening_balance + the period's charges - its credits.")
    invoices = StudentStatementInvoiceOutput(many=True, help_text="Invoices due in the period, by due date.")
    movements = StudentMovementOutput(
        many=True,
        help_text="Charges (by due date) and payments (by payment date) of the period, in date order.",
    )
    generated_at = serializers.DateTimeField(
        help_text="When these figures were computed (UTC). A cached statement keeps its time; any "
        "write to the school's money invalidates it."
    )


class SchoolStatementInvoiceOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    student_id = serializers.UUIDField()
    student_name = serializers.CharField()
    description = serializers.CharField()
    amount = MoneyField()
    paid_amount = MoneyField()
    pending_amount = MoneyField(help_text="0 for a cancelled invoice.")
    status = serializers.ChoiceField(choices=InvoiceStatus.choices, help_text="Derived with today's date.")
    due_date = serializers.DateField()


class InvoicesPageOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="Invoices due in the period, cancelled ones included.")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class SchoolMovementOutput(serializers.Serializer):
    date = serializers.DateField()
    charges = TotalField(help_text="Amounts of the invoices due that day.")
    credits = TotalField(help_text="Payments dated that day.")
    invoices = serializers.IntegerField(help_text="How many invoices are due that day.")
    payments = serializers.IntegerField(help_text="How many payments are dated that day.")
    balance = TotalField(help_text="Running balance at the end of the day.")


class SchoolStatementOutput(serializers.Serializer):
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    period = PeriodOutput()
    summary = SchoolSummaryOutput(help_text="Over the whole period, whatever page is shown.")
    opening_balance = TotalField()
    closing_balance = TotalField()
    invoices = SchoolStatementInvoiceOutput(
        many=True, help_text="One page of the period's invoices, by due date (see invoices_page)."
    )
    invoices_page = InvoicesPageOutput()
    movements = SchoolMovementOutput(many=True, help_text="One row per day with charges or credits.")
    generated_at = serializers.DateTimeField(
        help_text="When these figures were computed (UTC). A cached statement keeps its time; any "
        "write to the school's money invalidates it."
    )


# --- Family statement (documentation) ----------------------------------------------------------


class FamilySummaryOutput(StudentSummaryOutput):
    total_credited = TotalField(help_text="Credit notes on the period's invoices.")

    def get_fields(self):
        # Credited after paid, as the statement lists them.
        fields = super().get_fields()
        return {name: fields[name] for name in ("total_invoiced", "total_paid", "total_credited")} | fields


class FamilyStatementInvoiceOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    student_id = serializers.UUIDField()
    student_name = serializers.CharField()
    description = serializers.CharField()
    amount = MoneyField()
    paid_amount = MoneyField()
    credited_amount = MoneyField()
    pending_amount = MoneyField()
    status = serializers.ChoiceField(choices=InvoiceStatus.choices)
    due_date = serializers.DateField()


class FamilyMovementOutput(serializers.Serializer):
    date = serializers.DateField()
    type = serializers.ChoiceField(choices=["CHARGE", "PAYMENT", "CREDIT_NOTE", "REVERSAL", "REFUND"])
    number = serializers.CharField(help_text="The invoice, receipt, credit note, reversal or refund number.")
    description = serializers.CharField()
    charge = MoneyField(help_text="Raises what is owed: an invoice, a reversal, a refund.")
    credit = MoneyField(help_text="Lowers it: a payment, a credit note.")
    # What the movement is of, by type: only the keys that apply are present.
    invoice_id = serializers.UUIDField(required=False, help_text="CHARGE and CREDIT_NOTE.")
    invoice_number = serializers.CharField(required=False, help_text="CREDIT_NOTE.")
    student_id = serializers.UUIDField(required=False, help_text="CHARGE.")
    payment_id = serializers.UUIDField(required=False, help_text="PAYMENT and REVERSAL.")
    payment_number = serializers.CharField(required=False, help_text="REVERSAL.")
    reference = serializers.CharField(required=False, help_text="PAYMENT and REFUND.")
    allocations = serializers.ListField(
        child=serializers.DictField(), required=False,
        help_text="PAYMENT only: `[{invoice_id, invoice_number, student_name, amount}]`.",
    )
    balance = TotalField(help_text="What the family owes after this movement; negative: in credit.")


class FamilyStatementOutput(serializers.Serializer):
    family_id = serializers.UUIDField()
    family_name = serializers.CharField()
    reference = serializers.CharField(help_text="The family's payment reference.")
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    period = PeriodOutput()
    students = serializers.ListField(child=serializers.DictField(), help_text="`[{id, name}]`")
    summary = FamilySummaryOutput()
    opening_balance = TotalField(help_text="Owed before the period (negative: in credit).")
    closing_balance = TotalField(help_text="opening + charges - credits of the period.")
    credit_balance = TotalField(help_text="The family's credit (saldo a favor) now.")
    invoices = FamilyStatementInvoiceOutput(many=True)
    movements = FamilyMovementOutput(many=True)
    generated_at = serializers.DateTimeField()
