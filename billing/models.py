from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from billing.querysets import InvoiceQuerySet, InvoiceStatus, PaymentQuerySet
from core.models import BaseModel
from core.money import ZERO, MoneyField

__all__ = ["DocumentSequence", "Invoice", "InvoiceStatus", "Payment", "PaymentMethod"]


class PaymentMethod(models.TextChoices):
    CASH = "CASH", _("Cash")
    BANK_TRANSFER = "BANK_TRANSFER", _("Bank transfer")
    CREDIT_CARD = "CREDIT_CARD", _("Credit card")
    DEBIT_CARD = "DEBIT_CARD", _("Debit card")
    CHECK = "CHECK", _("Check")
    OTHER = "OTHER", _("Other")


class AuditHistory(models.Model):
    """Extra columns on every history row: which API/admin request made the change."""

    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True


class Invoice(BaseModel):
    """A charge a school issues to a student.

    `paid_amount` and `status` are derived: only billing.services writes them.
    """

    number = models.CharField(_("number"), max_length=20, editable=False)
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("school")
    )
    student = models.ForeignKey(
        "students.Student", on_delete=models.PROTECT, related_name="invoices",
        verbose_name=_("student"),
    )
    amount = MoneyField(_("amount"))
    paid_amount = MoneyField(_("paid amount"), default=0, editable=False)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.PENDING,
        editable=False,
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )

    objects = InvoiceQuerySet.as_manager()
    history = HistoricalRecords(bases=[AuditHistory], excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-due_date", "-created_at"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="invoice_unique_number_per_school"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(condition=Q(paid_amount__gte=0), name="invoice_paid_not_negative"),
            models.CheckConstraint(
                condition=Q(paid_amount__lte=F("amount")), name="invoice_paid_not_above_amount"
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"], name="invoice_school_status_idx"),
            models.Index(fields=["student", "status"], name="invoice_student_status_idx"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due_idx"),
            models.Index(fields=["school", "due_date"], name="invoice_school_due_idx"),
            models.Index(fields=["student", "due_date"], name="invoice_student_due_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def pending_amount(self):
        if self.status == InvoiceStatus.CANCELLED:
            return ZERO
        return self.amount - self.paid_amount


class Payment(BaseModel):
    """Money received against one invoice. Immutable: never updated, never deleted.

    `school` is copied from the invoice so receipt numbers can be unique per school.
    """

    number = models.CharField(_("receipt number"), max_length=20, editable=False)
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="payments", editable=False,
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("invoice")
    )
    amount = MoneyField(_("amount"))
    payment_date = models.DateField(_("payment date"))
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("registered by"),
    )

    objects = PaymentQuerySet.as_manager()
    history = HistoricalRecords(bases=[AuditHistory], excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-payment_date", "-created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="payment_unique_number_per_school"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethod.values), name="payment_method_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["invoice", "payment_date"], name="payment_invoice_date_idx"),
            models.Index(fields=["payment_date"], name="payment_date_idx"),
            models.Index(fields=["school", "payment_date"], name="payment_school_date_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        from billing.exceptions import PaymentImmutable

        if not self._state.adding:
            raise PaymentImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from billing.exceptions import PaymentImmutable

        raise PaymentImmutable()


class DocumentSequence(models.Model):
    """Per school, per kind and per year, the last number handed out ("2026-000123")."""

    class Kind(models.TextChoices):
        INVOICE = "INVOICE"
        RECEIPT = "RECEIPT"

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "kind", "year"], name="sequence_unique_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_value}"
