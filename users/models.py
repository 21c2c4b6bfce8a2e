import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class User(AbstractUser):
    """A person who signs in: school staff, an integrator's service account, a platform admin."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Role(models.TextChoices):
    ADMIN = "ADMIN", _("Administrator")
    ACCOUNTANT = "ACCOUNTANT", _("Accountant")
    VIEWER = "VIEWER", _("Viewer")


# What each role may do, from least to most. A role includes everything below it.
ROLE_RANK = {Role.VIEWER: 1, Role.ACCOUNTANT: 2, Role.ADMIN: 3}


class Membership(BaseModel):
    """A user's role in one school. Without one, a (non-superuser) user sees nothing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="membership_unique_user_school"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.school} · {self.role}"
