from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from families.validators import (
    validate_cfdi_use,
    validate_reference,
    validate_rfc,
    validate_tax_regime,
    validate_tax_zip,
)


class FamilyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Family(BaseModel):
    """The paying account of one or more students: a parent or guardian, with fiscal data.

    `reference` is what the family writes in the concept of a bank transfer; it is assigned by
    `families.services.family_create`, unique per school and never reused (a family is only ever
    deactivated, and the per-school counter only goes up). This app knows nothing of money:
    payments, allocations and the credit balance are billing's.
    """

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="families", verbose_name=_("school")
    )
    name = models.CharField(_("payer's name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    reference = models.CharField(
        _("payment reference"), max_length=10, editable=False, validators=[validate_reference]
    )
    rfc = models.CharField(_("RFC"), max_length=13, blank=True, validators=[validate_rfc])
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    tax_regime = models.CharField(
        _("tax regime"), max_length=3, blank=True, validators=[validate_tax_regime]
    )
    tax_zip = models.CharField(_("tax postal code"), max_length=5, blank=True, validators=[validate_tax_zip])
    cfdi_use = models.CharField(_("CFDI use"), max_length=4, default="D10", validators=[validate_cfdi_use])
    reminders_opt_out = models.BooleanField(_("no payment reminders"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = FamilyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("family")
        verbose_name_plural = _("families")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "reference"], name="family_unique_reference_per_school"
            ),
            models.CheckConstraint(condition=~Q(reference=""), name="family_reference_set"),
        ]
        indexes = [
            models.Index(fields=["school", "name"], name="family_school_name_idx"),
            models.Index(fields=["rfc"], name="family_rfc_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.reference})"


class FamilyReferenceCounter(models.Model):
    """Per school, the last family reference number handed out. Only ever goes up."""

    school = models.OneToOneField("schools.School", on_delete=models.CASCADE, related_name="+")
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.school_id}: {self.last_value}"
