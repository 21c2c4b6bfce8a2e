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
