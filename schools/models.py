from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class SchoolQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class School(BaseModel):
    """A school that issues invoices. Deleting one only deactivates it (is_active=False)."""

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Payments dated before this day are refused (a typo like 1900 would rewrite old months'
    # collections). Empty: the start of the previous year, as of the day the payment is entered.
    earliest_payment_date = models.DateField(
        _("earliest payment date"), null=True, blank=True,
        help_text=_("Payments dated before this day are refused. Empty: 1 January of last year."),
    )
    # Bumped in the same transaction as every write that touches the school's money; cached
    # statements and reports carry it in their keys, so a read after a write is never stale.
    cache_version = models.PositiveBigIntegerField(default=1, editable=False)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        indexes = [models.Index(fields=["name"], name="school_name_idx")]

    def __str__(self) -> str:
        return self.name

    def payment_date_floor(self, today: date) -> date:
        """The earliest payment date this school accepts today."""
        return self.earliest_payment_date or date(today.year - 1, 1, 1)
