from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from families.validators import validate_curp


class StudentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class StudentLevel(models.TextChoices):
    """Education levels as SEP (and the IEDU complement of a CFDI) name them."""

    PREESCOLAR = "PREESCOLAR", _("Preschool")
    PRIMARIA = "PRIMARIA", _("Primary")
    SECUNDARIA = "SECUNDARIA", _("Secondary")
    PROFESIONAL_TECNICO = "PROFESIONAL_TECNICO", _("Technical professional")
    BACHILLERATO = "BACHILLERATO", _("High school")


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
    # The paying family; a student without one is billed alone. Same school (students.services).
    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, null=True, blank=True, related_name="students",
        verbose_name=_("family"),
    )
    # db_default: bulk loaders (the seed, bench) that insert students in raw SQL need not know them.
    curp = models.CharField(
        _("CURP"), max_length=18, blank=True, default="", db_default="", validators=[validate_curp]
    )
    level = models.CharField(
        _("level"), max_length=20, choices=StudentLevel.choices, blank=True, default="", db_default=""
    )

    objects = StudentQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        indexes = [
            models.Index(fields=["school", "last_name", "first_name"], name="student_school_name_idx"),
            models.Index(fields=["school", "is_active"], name="student_school_active_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="") | models.Q(level__in=StudentLevel.values),
                name="student_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
