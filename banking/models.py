"""Bank accounts, imported statements and their lines.

A statement line is a deposit the bank reports. It is imported once per account (its `hash` is
unique per account, so a re-import or an overlapping statement adds nothing), matched to a family
or an invoice, and becomes at most one payment (`payment` is one-to-one, and a MATCHED line is
exactly a line with a payment: a CHECK constraint says so).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from billing.models import AuditHistory
from core.models import ActorField, BaseModel
from core.money import MoneyField


class Currency(models.TextChoices):
    MXN = "MXN", _("Mexican peso")


class StatementFormat(models.TextChoices):
    CSV = "CSV", "CSV"
    OFX = "OFX", "OFX"
    MT940 = "MT940", "MT940"


class CsvProfile(models.TextChoices):
    """Ready column mappings for common Mexican bank exports (banking.parsers.CSV_PROFILES)."""

    GENERIC = "GENERIC", _("Generic (Fecha, Descripción, Referencia, Importe)")
    BBVA_MX = "BBVA_MX", _("BBVA México (Día, Concepto / Referencia, Cargo, Abono, Saldo)")
    BANORTE = "BANORTE", _("Banorte (Fecha, Referencia, Descripción, Depósitos, Retiros, Saldo)")
    SANTANDER_MX = "SANTANDER_MX", _("Santander México (Fecha, Descripción, Cargo/Abono, Importe)")
    CUSTOM = "CUSTOM", _("Custom mapping")


class BankLineStatus(models.TextChoices):
    MATCHED = "MATCHED", _("Matched")
    SUGGESTED = "SUGGESTED", _("Suggested")
    UNMATCHED = "UNMATCHED", _("Unmatched")
    IGNORED = "IGNORED", _("Ignored")


class BankAccount(BaseModel):
    """A school's bank account that receives tuition (SPEI transfers, deposits)."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="bank_accounts", verbose_name=_("school")
    )
    bank = models.CharField(_("bank"), max_length=100, help_text=_("Read from the CLABE's bank code."))
    clabe = models.CharField(_("CLABE"), max_length=18)
    name = models.CharField(_("name"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.MXN)
    csv_profile = models.CharField(
        _("CSV profile"), max_length=20, choices=CsvProfile.choices, default=CsvProfile.GENERIC
    )
    csv_mapping = models.JSONField(
        _("CSV column mapping"),
        default=dict,
        blank=True,
        help_text=_("Only for the custom profile: which column holds the date, amount, reference..."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["school__name", "bank", "clabe"]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.UniqueConstraint(fields=["school", "clabe"], name="bank_account_unique_clabe_per_school"),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values), name="bank_account_currency_valid"
            ),
        ]

    def __str__(self) -> str:
        label = self.name or self.bank
        return f"{label} ···{self.clabe[-4:]}" if self.clabe else label

    @property
    def account_number(self) -> str:
        """The 11-digit account number inside the CLABE (bank 3, branch 3, account 11, check 1)."""
        return self.clabe[6:17]


class BankStatement(BaseModel):
    """One imported file, with what its import did. Lines already known (by hash) count as duplicates."""

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+", editable=False)
    account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="statements", verbose_name=_("account")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64, editable=False)
    format = models.CharField(_("format"), max_length=10, choices=StatementFormat.choices)
    imported_by = ActorField(_("imported by"))
    period_start = models.DateField(_("first line"), null=True, blank=True)
    period_end = models.DateField(_("last line"), null=True, blank=True)
    lines_read = models.PositiveIntegerField(_("lines read"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0, help_text=_("Withdrawals and zero lines."))
    matched = models.PositiveIntegerField(_("matched"), default=0)
    suggested = models.PositiveIntegerField(_("suggested"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)
    total_deposits = MoneyField(_("deposits imported"), default=0)
    skipped_lines = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        indexes = [models.Index(fields=["account", "created_at"], name="bank_statement_account_idx")]

    def __str__(self) -> str:
        return self.file_name


class BankLine(BaseModel):
    """A deposit read from a statement; the review queue works on these."""

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+", editable=False)
    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="lines", editable=False)
    statement = models.ForeignKey(
        BankStatement,
        on_delete=models.PROTECT,
        related_name="lines",
        editable=False,
        verbose_name=_("statement"),
    )
    line_number = models.PositiveIntegerField(_("line"), editable=False)
    date = models.DateField(_("date"))
    amount = MoneyField(_("amount"))
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    raw = models.TextField(_("raw line"), blank=True)
    hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=BankLineStatus.choices, default=BankLineStatus.UNMATCHED
    )
    payment = models.OneToOneField(
        "billing.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_line",
        verbose_name=_("payment"),
    )
    suggested_invoice = models.ForeignKey(
        "billing.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested invoice"),
    )
    suggested_family = models.ForeignKey(
        "families.Family",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested family"),
    )
    match_note = models.CharField(_("matching"), max_length=255, blank=True)
    decided_by = ActorField(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    ignore_reason = models.CharField(_("reason ignored"), max_length=255, blank=True)

    history = HistoricalRecords(bases=[AuditHistory], excluded_fields=["updated_at", "raw"])

    class Meta:
        ordering = ["-date", "line_number"]
        verbose_name = _("bank line")
        verbose_name_plural = _("bank lines")
        constraints = [
            models.UniqueConstraint(fields=["account", "hash"], name="bank_line_unique_hash_per_account"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bank_line_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=BankLineStatus.values), name="bank_line_status_valid"
            ),
            # MATCHED means "became a payment", and only that: a payment without the status (or the
            # status without a payment) cannot be written, whatever the code path.
            models.CheckConstraint(
                condition=(Q(status=BankLineStatus.MATCHED) & Q(payment__isnull=False))
                | (~Q(status=BankLineStatus.MATCHED) & Q(payment__isnull=True)),
                name="bank_line_matched_iff_payment",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "date"], name="bank_line_school_status_idx"),
            models.Index(fields=["statement", "line_number"], name="bank_line_statement_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.amount} {self.reference or self.description[:40]}"
