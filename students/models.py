from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class StudentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Student(BaseModel):
    """A student billed by one school. Deleting one only deactivates it (is_active=False)."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="students", verbose_name=_("school")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    grade = models.CharField(_("grade"), max_length=50, blank=True)
    enrolled_at = models.DateField(_("enrolled on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = StudentQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        indexes = [
            models.Index(fields=["school", "last_name", "first_name"], name="student_school_name_idx"),
            models.Index(fields=["school", "is_active"], name="student_school_active_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
