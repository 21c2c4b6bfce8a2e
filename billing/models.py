from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from billing import rules
from billing.concepts import ConceptKind
from billing.querysets import InvoiceQuerySet, InvoiceStatus, PaymentQuerySet
from core.models import ActorField, BaseModel
from core.money import ZERO, MoneyField

__all__ = [
    "Allocation", "CreditNote", "DocumentSequence", "FeeConcept", "Invoice", "InvoiceLine", "InvoiceStatus",
    "LineSource", "Payment", "PaymentMethod", "PaymentReversal", "Refund", "RefundSource", "ReversalReason",
]


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

    `paid_amount` (the sum of the allocations of payments that are not reversed), `credited_amount`
    (the sum of its credit notes) and `status` are derived: only billing.services writes them, under
    the invoice's row lock. Its balance is `amount - paid_amount - credited_amount`.
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
    # db_default: bulk loaders (the seed, bench) that insert invoices in raw SQL need not know it.
    credited_amount = MoneyField(_("credited amount"), default=0, db_default=0, editable=False)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.PENDING,
        editable=False,
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    created_by = ActorField(_("created by"))
    # Pronto pago: paid by this day, `early_payment_amount` settles the invoice (the difference
    # is credited by a credit note in the payment's transaction).
    early_payment_until = models.DateField(
        _("early payment until"), null=True, blank=True, editable=False
    )
    early_payment_amount = MoneyField(_("early payment amount"), null=True, blank=True, editable=False)
    # A recargo: the overdue invoice it surcharges and the policy tier (slot) it charges.
    # No index of its own: the partial UNIQUE (surcharge_of, surcharge_tier) below indexes the
    # recargos only, where a plain index would also hold an entry for every other invoice (NULL).
    surcharge_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="surcharges",
        editable=False, verbose_name=_("surcharge of"), db_index=False,
    )
    surcharge_tier = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # db_default: bulk loaders (the seed, bench) that insert invoices in raw SQL need not know it.
    cancel_reason = models.CharField(
        _("cancellation reason"), max_length=255, blank=True, default="", db_default="", editable=False
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
            models.CheckConstraint(condition=Q(credited_amount__gte=0), name="invoice_credited_not_negative"),
            models.CheckConstraint(
                condition=Q(paid_amount__lte=F("amount") - F("credited_amount")),
                name="invoice_paid_and_credited_not_above_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"
            ),
            # Each tier of a recargo is charged once per invoice, whatever runs at once; a waived
            # (cancelled) one keeps its slot.
            models.UniqueConstraint(
                fields=["surcharge_of", "surcharge_tier"], condition=Q(surcharge_of__isnull=False),
                name="invoice_one_surcharge_per_tier",
            ),
            models.CheckConstraint(
                condition=Q(surcharge_of__isnull=True, surcharge_tier__isnull=True)
                | Q(surcharge_of__isnull=False, surcharge_tier__isnull=False),
                name="invoice_surcharge_has_tier",
            ),
            models.CheckConstraint(
                condition=Q(early_payment_amount__isnull=True, early_payment_until__isnull=True)
                | Q(early_payment_amount__gt=0, early_payment_amount__lt=F("amount"),
                    early_payment_until__isnull=False),
                name="invoice_early_payment_below_amount",
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

    # The one rule (billing.rules), never spelled again here.
    @property
    def balance(self):
        return rules.invoice_balance(self)

    @property
    def pending_amount(self):
        return rules.invoice_pending_amount(self)


class ImmutableRecord(BaseModel):
    """A money record that is written once and never changed or deleted through the ORM (a
    correction is another record); billing 0006 refuses it in SQL too. Services change a payment's
    running figures with a conditional update, never with save()."""

    class Meta:
        abstract = True

    def immutable_error(self) -> Exception:
        from billing.exceptions import RecordImmutable

        return RecordImmutable()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.immutable_error()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.immutable_error()


class Payment(ImmutableRecord):
    """Money received. Immutable: never updated, never deleted, never edited to correct it.

    A payment is applied to invoices by its allocations: one, to `invoice`, for a payment against
    an invoice (`POST /payments`); any number for a family's payment (`family` set, `invoice`
    empty), whose unallocated part is the family's credit. Only the three running figures change
    after the insert, by billing.services under the family's (or the invoice's) lock:
    `allocated_amount` (sum of its allocations), `refunded_amount` (sum of the refunds drawn from
    it) and `is_reversed` (false -> true, once, with its PaymentReversal). The database refuses any
    other change (trigger, billing 0006) and keeps allocated + refunded <= amount (CHECK).

    `school` is copied from the invoice or the family so receipt numbers can be unique per school.
    """

    number = models.CharField(_("receipt number"), max_length=20, editable=False)
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="payments", editable=False,
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payments",
        verbose_name=_("invoice"),
    )
    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, null=True, blank=True, related_name="payments",
        verbose_name=_("family"),
    )
    amount = MoneyField(_("amount"))
    allocated_amount = MoneyField(_("allocated"), default=0, db_default=0, editable=False)
    refunded_amount = MoneyField(_("refunded"), default=0, db_default=0, editable=False)
    is_reversed = models.BooleanField(_("reversed"), default=False, db_default=False, editable=False)
    payment_date = models.DateField(_("payment date"))
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_by = ActorField(_("registered by"))

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
            models.CheckConstraint(
                condition=Q(invoice__isnull=False) | Q(family__isnull=False),
                name="payment_has_invoice_or_family",
            ),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0) & Q(refunded_amount__gte=0),
                name="payment_applied_not_negative",
            ),
            # The allocations (and refunds) of a payment never exceed its amount.
            models.CheckConstraint(
                condition=Q(allocated_amount__lte=F("amount") - F("refunded_amount")),
                name="payment_applied_not_above_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["invoice", "payment_date"], name="payment_invoice_date_idx"),
            models.Index(fields=["family", "payment_date"], name="payment_family_date_idx"),
            models.Index(fields=["payment_date"], name="payment_date_idx"),
            models.Index(fields=["school", "payment_date"], name="payment_school_date_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def unallocated_amount(self):
        """What is left of it for the family's credit: nothing once reversed."""
        if self.is_reversed:
            return ZERO
        return self.amount - self.allocated_amount - self.refunded_amount

    def immutable_error(self) -> Exception:
        from billing.exceptions import PaymentImmutable

        return PaymentImmutable()


class Allocation(ImmutableRecord):
    """The part of a payment applied to one invoice. Counts in the invoice's `paid_amount` while its
    payment is not reversed."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("payment")
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("invoice")
    )
    amount = MoneyField(_("amount"))

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(fields=["payment", "invoice"], name="allocation_unique_payment_invoice"),
        ]
        indexes = [models.Index(fields=["invoice", "payment"], name="allocation_invoice_idx")]

    def __str__(self) -> str:
        return f"{self.payment_id} -> {self.invoice_id}: {self.amount}"


class CreditNote(ImmutableRecord):
    """Lowers what is owed on one invoice (a beca granted late, a discount, an error in the amount):
    the invoice's `credited_amount`. Numbered in its own series per school."""

    number = models.CharField(_("number"), max_length=20, editable=False)
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+", editable=False)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("invoice")
    )
    amount = MoneyField(_("amount"))
    # The school's date when it was issued (TIME_ZONE): where statements and reports place it.
    issue_date = models.DateField(_("issue date"))
    reason = models.CharField(_("reason"), max_length=255)
    created_by = ActorField(_("issued by"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="credit_note_unique_number_per_school"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_note_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["invoice"], name="credit_note_invoice_idx"),
            models.Index(fields=["school", "issue_date"], name="credit_note_school_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class ReversalReason(models.TextChoices):
    BOUNCED_CHECK = "BOUNCED_CHECK", _("Bounced check")
    CHARGEBACK = "CHARGEBACK", _("Chargeback")
    ENTRY_ERROR = "ENTRY_ERROR", _("Entry error")
    OTHER = "OTHER", _("Other")


class PaymentReversal(ImmutableRecord):
    """A payment that did not really come in (a bounced cheque, a chargeback, a wrong entry): its
    allocations stop counting from `reversal_date`, and its unallocated part leaves the credit."""

    number = models.CharField(_("number"), max_length=20, editable=False)
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+", editable=False)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="reversal", verbose_name=_("payment")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ReversalReason.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    reversal_date = models.DateField(_("reversal date"))
    created_by = ActorField(_("reversed by"))

    class Meta:
        ordering = ["-reversal_date", "-created_at"]
        verbose_name = _("payment reversal")
        verbose_name_plural = _("payment reversals")
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="reversal_unique_number_per_school"),
            models.CheckConstraint(
                condition=Q(reason__in=ReversalReason.values), name="reversal_reason_valid"
            ),
        ]
        indexes = [models.Index(fields=["school", "reversal_date"], name="reversal_school_date_idx")]

    def __str__(self) -> str:
        return self.number


class Refund(ImmutableRecord):
    """Money paid back to a family out of its credit, drawn from its payments' unallocated parts
    (oldest first, RefundSource)."""

    number = models.CharField(_("number"), max_length=20, editable=False)
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+", editable=False)
    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("family")
    )
    amount = MoneyField(_("amount"))
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    refund_date = models.DateField(_("refund date"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = ActorField(_("refunded by"))

    class Meta:
        ordering = ["-refund_date", "-created_at"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="refund_unique_number_per_school"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="refund_method_valid"),
        ]
        indexes = [
            models.Index(fields=["family", "refund_date"], name="refund_family_date_idx"),
            models.Index(fields=["school", "refund_date"], name="refund_school_date_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class RefundSource(ImmutableRecord):
    """The part of a refund drawn from one payment's unallocated amount."""

    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="sources")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refund_sources")
    amount = MoneyField(_("amount"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_source_amount_positive"),
            models.UniqueConstraint(fields=["refund", "payment"], name="refund_source_unique"),
        ]
        indexes = [models.Index(fields=["payment"], name="refund_source_payment_idx")]

    def __str__(self) -> str:
        return f"{self.refund_id} <- {self.payment_id}: {self.amount}"


class DocumentSequence(models.Model):
    """Per school, per kind and per year, the last number handed out ("2026-000123")."""

    class Kind(models.TextChoices):
        INVOICE = "INVOICE"
        RECEIPT = "RECEIPT"
        CREDIT_NOTE = "CREDIT_NOTE"
        REVERSAL = "REVERSAL"
        REFUND = "REFUND"

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "kind", "year"], name="sequence_unique_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_value}"


class FeeConcept(BaseModel):
    """What an invoice line charges for: colegiatura, inscripción, materials, transport, recargo.

    `deductible` marks tuition a family may deduct (the CFDI's IEDU complement)."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="fee_concepts", verbose_name=_("school")
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=ConceptKind.choices)
    deductible = models.BooleanField(_("deductible (IEDU)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("fee concept")
        verbose_name_plural = _("fee concepts")
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="feeconcept_unique_code"),
            models.CheckConstraint(condition=Q(kind__in=ConceptKind.values), name="feeconcept_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class LineSource(models.TextChoices):
    PLAN_ITEM = "PLAN_ITEM", _("Fee plan item")
    DISCOUNT = "DISCOUNT", _("Discount")
    LATE_FEE = "LATE_FEE", _("Late-fee policy")
    MANUAL = "MANUAL", _("Typed in")


class InvoiceLine(BaseModel):
    """One line of an invoice. The invoice's amount is the sum of its lines; a discount line is
    negative. A plan item's line is issued once per student, concept and period (UNIQUE), which is
    what makes the billing run idempotent."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="lines", verbose_name=_("invoice")
    )
    # Copied from the invoice for the UNIQUE (student, concept, period) below.
    student = models.ForeignKey(
        "students.Student", on_delete=models.PROTECT, related_name="+", editable=False
    )
    concept = models.ForeignKey(
        FeeConcept, on_delete=models.PROTECT, related_name="+", verbose_name=_("concept")
    )
    description = models.CharField(_("description"), max_length=255)
    amount = MoneyField(_("amount"))
    period = models.CharField(_("period"), max_length=7, null=True, blank=True, help_text="YYYY-MM")
    source = models.CharField(
        _("source"), max_length=10, choices=LineSource.choices, default=LineSource.MANUAL
    )
    # The plan item, discount or late-fee policy that made the line.
    source_id = models.UUIDField(null=True, blank=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["invoice", "position"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "concept", "period"], condition=Q(source=LineSource.PLAN_ITEM),
                name="invoiceline_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | Q(source=LineSource.DISCOUNT, amount__lt=0),
                name="invoiceline_only_discounts_negative",
            ),
            models.CheckConstraint(
                condition=Q(source__in=LineSource.values), name="invoiceline_source_valid"
            ),
        ]
        # No index led by `period`: right after a billing run inserts thousands of a period's lines
        # the planner's statistics say the period has none, and it would scan every line of the
        # period (all schools') to find one school's students. Lookups by student use the UNIQUE
        # index above (student, concept, period).

    def __str__(self) -> str:
        return self.description
