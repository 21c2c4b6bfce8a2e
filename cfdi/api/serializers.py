"""Request and response shapes of fiscal profiles and CFDI documents. Shape and types only."""

import base64
import binascii

from rest_framework import serializers

from cfdi.models import CancelReason, DocumentKind, DocumentStatus, PaymentMethodCode
from core.api import FlatDict, InputSerializer, MoneyField


class Base64FileField(serializers.CharField):
    """A file sent in JSON as base64 (the CSD's .cer and .key are small binary files)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            value = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("Not valid base64.") from None
        if not value:
            raise serializers.ValidationError("The file is empty.")
        return value


class FiscalProfileInput(InputSerializer):
    rfc = serializers.CharField(max_length=13)
    legal_name = serializers.CharField(
        max_length=300, help_text="As in the school's Constancia de Situación Fiscal."
    )
    tax_regime = serializers.CharField(
        max_length=3, help_text="c_RegimenFiscal, e.g. 603 (personas morales sin fines de lucro)."
    )
    expedition_zip = serializers.CharField(
        max_length=5, help_text="Postal code of the place of issue (SAT catalogue)."
    )
    series = serializers.CharField(max_length=10, required=False, default="A")
    payment_series = serializers.CharField(max_length=10, required=False, default="P")
    key_password_env = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Name of the environment variable holding the key's password (default CFDI_CSD_PASSWORD). "
        "Never the password itself.",
    )
    rvoe = FlatDict(
        child=serializers.CharField(max_length=60),
        required=False,
        default=dict,
        help_text='RVOE authorisation per student level, e.g. {"PRIMARIA": "PRI-0987/2015"}.',
    )
    certificate = Base64FileField(
        required=False, help_text="The CSD certificate (.cer, DER) in base64. Required the first time."
    )
    private_key = Base64FileField(
        required=False,
        help_text="The CSD key (.key, encrypted DER PKCS#8) in base64. Sent with the certificate.",
    )


class FiscalProfileOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    rfc = serializers.CharField()
    legal_name = serializers.CharField()
    tax_regime = serializers.CharField()
    expedition_zip = serializers.CharField()
    series = serializers.CharField()
    payment_series = serializers.CharField()
    key_password_env = serializers.CharField()
    rvoe = serializers.DictField(child=serializers.CharField())
    certificate_number = serializers.CharField()
    certificate_valid_until = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DocumentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    kind = serializers.ChoiceField(
        choices=DocumentKind.choices, help_text="I: the invoice's CFDI; P: a payment complement."
    )
    status = serializers.ChoiceField(choices=DocumentStatus.choices)
    invoice_id = serializers.UUIDField()
    payment_id = serializers.UUIDField(allow_null=True)
    related_id = serializers.UUIDField(allow_null=True, help_text="P: the invoice CFDI this payment pays.")
    series = serializers.CharField()
    folio = serializers.CharField()
    payment_method = serializers.ChoiceField(choices=PaymentMethodCode.choices, allow_blank=True)
    payment_form = serializers.CharField(help_text="c_FormaPago (99 for PPD).")
    amount = MoneyField(help_text="I: the total. P: the amount paid (ImpPagado).")
    installment = serializers.IntegerField(allow_null=True)
    balance_before = MoneyField(allow_null=True)
    receiver_rfc = serializers.CharField()
    receiver_name = serializers.CharField()
    uuid = serializers.CharField(help_text="The fiscal UUID once stamped; empty before.")
    stamped_at = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField()
    pac_code = serializers.CharField(help_text="Why the PAC refused it (FAILED), or why it still waits.")
    pac_message = serializers.CharField()
    cancel_reason = serializers.CharField()
    replacement_uuid = serializers.CharField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DocumentCancelInput(InputSerializer):
    reason = serializers.ChoiceField(
        choices=CancelReason.choices, help_text="SAT's cancellation reason, 01 to 04."
    )
    replacement_uuid = serializers.CharField(
        max_length=36,
        required=False,
        allow_blank=True,
        default="",
        help_text="Reason 01 only: the UUID of the stamped CFDI that replaces this one.",
    )
