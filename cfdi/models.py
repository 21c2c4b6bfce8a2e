"""The school's fiscal profile and its CFDI documents (tax invoices and payment complements).

Billing never imports this app: a CFDI is built from an invoice or a payment after the money is
recorded, by cfdi.services, and stamped by a background job (cfdi.tasks), so nothing about money
waits for the PAC.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import ActorField, BaseModel
from core.money import MoneyField
from families.validators import validate_rfc, validate_tax_regime, validate_tax_zip


class FiscalProfile(BaseModel):
    """What a school needs to issue CFDIs: who it is for SAT, and its CSD (certificado de sello digital).

    The CSD's key is stored as SAT delivers it (DER PKCS#8, encrypted); its password never is: the
    profile names the environment variable that holds it (`key_password_env`), read when signing.
    `rvoe` maps a student level (students.StudentLevel) to the school's RVOE authorisation for it,
    which the IEDU complement carries.
    """

    school = models.OneToOneField(
        "schools.School", on_delete=models.PROTECT, related_name="fiscal_profile", verbose_name=_("school")
    )
    rfc = models.CharField(_("RFC"), max_length=13, validators=[validate_rfc])
    legal_name = models.CharField(_("legal name"), max_length=300)
    tax_regime = models.CharField(_("tax regime"), max_length=3, validators=[validate_tax_regime])
    expedition_zip = models.CharField(
        _("expedition postal code"), max_length=5, validators=[validate_tax_zip]
    )
    series = models.CharField(_("invoice series"), max_length=10, default="A")
    payment_series = models.CharField(_("payment complement series"), max_length=10, default="P")
    certificate = models.BinaryField(_("CSD certificate (.cer)"), editable=False)
    certificate_number = models.CharField(_("certificate number"), max_length=20, editable=False)
    certificate_valid_until = models.DateTimeField(_("certificate valid until"), editable=False)
    private_key = models.BinaryField(_("CSD key (.key)"), editable=False)
    key_password_env = models.CharField(
        _("environment variable with the key's password"),
        max_length=100,
        help_text=_("The name of the variable, never the password."),
    )
    rvoe = models.JSONField(_("RVOE per level"), default=dict, blank=True)

    class Meta:
        verbose_name = _("fiscal profile")
        verbose_name_plural = _("fiscal profiles")

    def __str__(self) -> str:
        return f"{self.rfc} {self.legal_name}"


class DocumentKind(models.TextChoices):
    INCOME = "I", _("Income (invoice)")
    PAYMENT = "P", _("Payment complement")


class DocumentStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft (waiting for the PAC)")
    STAMPED = "STAMPED", _("Stamped")
    FAILED = "FAILED", _("Failed")
    CANCELLED = "CANCELLED", _("Cancelled")


class PaymentMethodCode(models.TextChoices):
    PUE = "PUE", _("Paid in one payment (PUE)")
    PPD = "PPD", _("Paid in instalments or later (PPD)")


class CancelReason(models.TextChoices):
    ERRORS_WITH_RELATION = "01", _("01 Issued with errors, replaced by another CFDI")
    ERRORS_WITHOUT_RELATION = "02", _("02 Issued with errors, no replacement")
    NOT_CARRIED_OUT = "03", _("03 The operation did not take place")
    GLOBAL_INVOICE = "04", _("04 Nominative operation in a global invoice")


LIVE_STATUSES = (DocumentStatus.DRAFT, DocumentStatus.STAMPED)


class Document(BaseModel):
    """One CFDI: an invoice's (kind I) or a payment's complement on an invoice's CFDI (kind P, Pagos 2.0).

    DRAFT until the PAC stamps it (STAMPED, with the fiscal UUID and the stamped XML), FAILED when
    the PAC refuses it (its reason in `pac_code`/`pac_message`; issuing again makes a new document),
    CANCELLED when SAT accepted the cancellation. At most one live (DRAFT or STAMPED) document per
    invoice, and per payment and invoice document, enforced by the database.
    """

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(_("kind"), max_length=1, choices=DocumentKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="+", verbose_name=_("invoice")
    )
    # Kind P only: the payment, and the stamped invoice CFDI it pays (DoctoRelacionado).
    payment = models.ForeignKey(
        "billing.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment"),
    )
    related = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_complements",
        verbose_name=_("invoice CFDI paid"),
    )
    series = models.CharField(_("series"), max_length=10)
    folio = models.CharField(_("folio"), max_length=40)
    payment_method = models.CharField(
        _("método de pago"), max_length=3, choices=PaymentMethodCode.choices, blank=True
    )
    payment_form = models.CharField(_("forma de pago"), max_length=2, blank=True)
    # Kind I: the CFDI's total. Kind P: ImpPagado, with NumParcialidad and ImpSaldoAnt.
    amount = MoneyField(_("amount"))
    installment = models.PositiveSmallIntegerField(_("installment"), null=True, blank=True)
    balance_before = MoneyField(_("balance before"), null=True, blank=True)
    receiver_rfc = models.CharField(_("receiver RFC"), max_length=13)
    receiver_name = models.CharField(_("receiver name"), max_length=300)
    uuid = models.CharField(_("fiscal UUID"), max_length=36, blank=True, db_index=True)
    xml = models.BinaryField(_("XML"), null=True, blank=True, editable=False)
    stamped_at = models.DateTimeField(_("stamped at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("stamping attempts"), default=0)
    # Whoever stamps a DRAFT holds it until then (a conditional update), so two workers never
    # send the same document to the PAC at once (which would give one invoice two UUIDs).
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    pac_code = models.CharField(_("PAC code"), max_length=40, blank=True)
    pac_message = models.TextField(_("PAC message"), blank=True)
    cancel_reason = models.CharField(
        _("cancellation reason"), max_length=2, choices=CancelReason.choices, blank=True
    )
    replacement_uuid = models.CharField(_("replacement UUID"), max_length=36, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = ActorField(_("issued by"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("CFDI document")
        verbose_name_plural = _("CFDI documents")
        constraints = [
            # One live invoice CFDI per invoice: a second issue is refused (409), never doubled.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(kind="I", status__in=["DRAFT", "STAMPED"]),
                name="cfdi_one_live_document_per_invoice",
            ),
            models.UniqueConstraint(
                fields=["payment", "related"],
                condition=Q(kind="P", status__in=["DRAFT", "STAMPED"]),
                name="cfdi_one_live_complement_per_payment_and_invoice",
            ),
            models.CheckConstraint(condition=Q(kind__in=["I", "P"]), name="cfdi_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["DRAFT", "STAMPED", "FAILED", "CANCELLED"]), name="cfdi_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="I", payment__isnull=True, related__isnull=True)
                | Q(kind="P", payment__isnull=False, related__isnull=False),
                name="cfdi_payment_complement_has_payment",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="cfdi_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status__in=["STAMPED", "CANCELLED"]) | ~Q(uuid=""), name="cfdi_stamped_has_uuid"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"], name="cfdi_school_status_idx"),
            models.Index(fields=["status", "kind"], name="cfdi_status_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.series}-{self.folio}"

    @property
    def filename_stem(self) -> str:
        return f"cfdi-{self.series}-{self.folio}".replace("/", "-")
