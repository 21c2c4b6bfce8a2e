from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class Channel(models.TextChoices):
    EMAIL = "EMAIL", _("Email")
    SMS = "SMS", _("SMS")
    WHATSAPP = "WHATSAPP", _("WhatsApp")


class StepKind(models.TextChoices):
    REMINDER = "REMINDER", _("Reminder")
    # PROFECO: only after three unpaid colegiaturas, announcing the date at least 15 days ahead.
    SUSPENSION_NOTICE = "SUSPENSION_NOTICE", _("Suspension notice")


class TextSource(models.TextChoices):
    TEMPLATE = "TEMPLATE", _("Template")
    AI = "AI", _("AI-written (rules without an OpenAI key)")


class ReminderStatus(models.TextChoices):
    # Claimed by a run and being handed to the channel. A row left here by a crash is not resent
    # by itself (the provider may have taken it: at most once); the admin shows it.
    SENDING = "SENDING", _("Sending")
    SENT = "SENT", _("Sent")
    FAILED = "FAILED", _("Failed (retried on the next run)")


MIN_SUSPENSION_NOTICE_DAYS = 15


class ReminderPolicy(BaseModel):
    """When and how a school reminds its families of what they owe.

    `steps` is a list of {offset_days, channel, kind, subject_es, body_es, subject_en, body_en}:
    days relative to the due date (-3: three days before, 0: the day, 7: a week late); empty
    texts use the built-in templates (reminders/templates.py). Validated by the service.
    """

    school = models.OneToOneField(
        "schools.School", on_delete=models.CASCADE, related_name="reminder_policy", verbose_name=_("school")
    )
    is_active = models.BooleanField(_("active"), default=True)
    language = models.CharField(_("language"), max_length=2, choices=[("es", "Español"), ("en", "English")],
                                default="es")
    text_source = models.CharField(_("text"), max_length=10, choices=TextSource.choices,
                                   default=TextSource.TEMPLATE)
    attach_statement = models.BooleanField(_("attach the account statement (PDF) to emails"), default=False)
    suspension_notice_days = models.PositiveSmallIntegerField(
        _("days between a suspension notice and the suspension"), default=MIN_SUSPENSION_NOTICE_DAYS
    )
    steps = models.JSONField(_("steps"), default=list)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(suspension_notice_days__gte=MIN_SUSPENSION_NOTICE_DAYS),
                name="reminder_policy_suspension_notice_15_days",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id}: {len(self.steps)} steps"


class Reminder(BaseModel):
    """One reminder to one family for one step and one set of invoices: sent at most once.

    The unique (family, step, invoice set) row is claimed before the message leaves, so two runs
    at the same time cannot both send it; a FAILED row is retried by the next run.
    """

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("school"))
    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="reminders",
                               verbose_name=_("family"))
    step_offset = models.SmallIntegerField(_("step (days from the due date)"))
    kind = models.CharField(_("kind"), max_length=20, choices=StepKind.choices, default=StepKind.REMINDER)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    invoice_set = models.CharField(_("invoice set"), max_length=64, help_text=_("Hash of the invoice ids."))
    invoice_ids = models.JSONField(_("invoices"), default=list)
    as_of = models.DateField(_("as of"))
    amount_due = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2)
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=ReminderStatus.choices,
                              default=ReminderStatus.SENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    text_source = models.CharField(_("written by"), max_length=10, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    claim = models.UUIDField(_("run"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["family", "step_offset", "invoice_set"],
                                    name="reminder_once_per_family_step_invoice_set"),
            models.CheckConstraint(condition=Q(amount_due__gte=0), name="reminder_amount_due_not_negative"),
        ]
        indexes = [
            models.Index(fields=["school", "status"], name="reminder_school_status_idx"),
            models.Index(fields=["claim"], name="reminder_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.family_id} {self.step_offset:+d} {self.status}"
