from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core.models import IdempotencyRecord
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def record(user, key: str, *, age: timedelta) -> IdempotencyRecord:
    row = IdempotencyRecord.objects.create(user=user, key=key, scope="payments.create",
                                           request_fingerprint="f", response_status=201)
    IdempotencyRecord.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def token(user, jti: str, *, expires_in: timedelta) -> OutstandingToken:
    return OutstandingToken.objects.create(user=user, jti=jti, token=f"t-{jti}",
                                           expires_at=timezone.now() + expires_in)


def purge(*args) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def test_purges_idempotency_records_past_the_retention_and_expired_tokens(settings):
    settings.IDEMPOTENCY_RETENTION_DAYS = 7
    user = UserFactory()
    old, fresh = record(user, "old", age=timedelta(days=8)), record(user, "fresh", age=timedelta(days=6))
    expired = token(user, "a", expires_in=timedelta(hours=-1))
    live = token(user, "b", expires_in=timedelta(days=1))
    BlacklistedToken.objects.create(token=expired)

    output = purge()

    assert set(IdempotencyRecord.objects.values_list("pk", flat=True)) == {fresh.pk}
    assert set(OutstandingToken.objects.values_list("pk", flat=True)) == {live.pk}
    assert not BlacklistedToken.objects.exists()
    assert "purged 1 idempotency record(s) older than 7 day(s), 1 expired token(s)" in output
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()


def test_a_second_run_finds_nothing():
    user = UserFactory()
    record(user, "old", age=timedelta(days=30))
    purge()

    assert "purged 0 idempotency record(s) older than 7 day(s), 0 expired token(s)" in purge()


def test_days_overrides_the_setting_and_must_not_be_negative():
    user = UserFactory()
    record(user, "two-days", age=timedelta(days=2))

    purge("--days", "1")

    assert not IdempotencyRecord.objects.exists()
    with pytest.raises(CommandError):
        purge("--days", "-1")
