"""Request and response shapes of bank collections. Shape and types only: no rules here."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from banking.models import BankLineStatus, CsvProfile, StatementFormat
from core.api import InputSerializer, MoneyField, UUIDInBodyField

_ID_IN_BODY = {"help_text": "UUID of a row in one of your schools (404 otherwise; 400 when malformed)."}
_MAPPING_HELP = (
    "Only with csv_profile CUSTOM. Column names of your bank's CSV export: `date`, `description` "
    "(a name or a list, joined), `reference` (optional), and `amount` (signed) or `credit` (deposits) "
    "with an optional `debit`; optional `sign` + `credit_signs`, `account`, `decimal_separator` "
    '(`.` or `,`), `delimiter`. Example: {"date": "Fecha", "description": "Concepto", '
    '"amount": "Importe"}.'
)


class BankAccountCreateInput(InputSerializer):
    school_id = UUIDInBodyField(**_ID_IN_BODY)
    clabe = serializers.CharField(max_length=40, help_text="18 digits; checked (bank code, control digit).")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    bank = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Read from the CLABE's bank code when omitted.",
    )
    csv_profile = serializers.ChoiceField(
        choices=CsvProfile.choices, required=False, default=CsvProfile.GENERIC
    )
    csv_mapping = serializers.JSONField(required=False, default=dict, help_text=_MAPPING_HELP)


class BankAccountUpdateInput(InputSerializer):
    """Send the fields to change. The CLABE and the school cannot change."""

    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    bank = serializers.CharField(max_length=100, required=False)
    csv_profile = serializers.ChoiceField(choices=CsvProfile.choices, required=False)
    csv_mapping = serializers.JSONField(required=False, help_text=_MAPPING_HELP)
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(gettext_lazy("Send at least one field to change."))
        return attrs


class BankAccountOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    bank = serializers.CharField()
    clabe = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()
    csv_profile = serializers.ChoiceField(choices=CsvProfile.choices)
    csv_mapping = serializers.JSONField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class StatementImportInput(InputSerializer):
    file = serializers.FileField(help_text="The statement file as the bank exported it (at most 10 MiB).")
    format = serializers.ChoiceField(
        choices=StatementFormat.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Read from the content when omitted (OFX header, MT940 tags, else CSV).",
    )


class SkippedLineOutput(serializers.Serializer):
    line = serializers.IntegerField()
    reason = serializers.CharField()


class BankStatementOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    account_id = serializers.UUIDField()
    file_name = serializers.CharField()
    format = serializers.ChoiceField(choices=StatementFormat.choices)
    imported_by = serializers.UUIDField(source="imported_by_id", allow_null=True)
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    lines_read = serializers.IntegerField(help_text="Movements read from the file, deposits or not.")
    imported = serializers.IntegerField(help_text="New deposits stored.")
    duplicates = serializers.IntegerField(help_text="Deposits already imported (same line, earlier file).")
    skipped = serializers.IntegerField(help_text="Withdrawals, zero lines and rows without a date.")
    matched = serializers.IntegerField(help_text="Became payments at import (family reference).")
    suggested = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    total_deposits = MoneyField(help_text="Sum of the new deposits.")
    skipped_lines = SkippedLineOutput(many=True, help_text="Per-line report of what was skipped and why.")
    created_at = serializers.DateTimeField()


class BankLineOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    account_id = serializers.UUIDField()
    statement_id = serializers.UUIDField()
    line_number = serializers.IntegerField()
    date = serializers.DateField()
    amount = MoneyField()
    reference = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=BankLineStatus.choices)
    payment_id = serializers.UUIDField(allow_null=True)
    suggested_invoice_id = serializers.UUIDField(allow_null=True)
    suggested_family_id = serializers.UUIDField(
        allow_null=True, help_text="The family a reference or a name points to; confirm pays it."
    )
    match_note = serializers.CharField(help_text="Why the line has its status.")
    ignore_reason = serializers.CharField()
    decided_by = serializers.UUIDField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class BankLineConfirmInput(InputSerializer):
    """One of family_id and invoice_id; neither confirms the line's suggestion."""

    family_id = UUIDInBodyField(required=False, allow_null=True, default=None, **_ID_IN_BODY)
    invoice_id = UUIDInBodyField(required=False, allow_null=True, default=None, **_ID_IN_BODY)


class BankLineIgnoreInput(InputSerializer):
    reason = serializers.CharField(max_length=255, help_text="Why this deposit is not a tuition payment.")
