import uuid

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    """UUID primary key and UTC timestamps, shared by every table."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ActorField(models.ForeignKey):
    """The staff user who did something to the row (issued, registered, approved, decided it):
    never deleted while the row names them (the audit), empty when a command or a job did it.

    Migrations see the plain ForeignKey it stands for, as with core.money.MoneyField.
    """

    def __init__(self, verbose_name=None, **kwargs):
        kwargs.setdefault("to", settings.AUTH_USER_MODEL)
        kwargs.setdefault("on_delete", models.PROTECT)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("related_name", "+")
        super().__init__(verbose_name=verbose_name, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ForeignKey", args, kwargs


class IdempotencyRecord(BaseModel):
    """The first answer to a write sent with an `Idempotency-Key` header.

    Kept in the database, not the cache, so a client retrying after a restart or against another
    worker still gets the first answer instead of a second invoice or payment.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=100, help_text="Which operation the key was used for.")
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
