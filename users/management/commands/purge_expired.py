"""`manage.py purge_expired`: the nightly clean-up of what only matters for a while.

Idempotency records older than IDEMPOTENCY_RETENTION_DAYS (default 7) and refresh tokens past their
expiry (with their blacklist entries). Idempotent: a second run finds nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.idempotency import idempotency_records_purge
from users.services import expired_tokens_flush


class Command(BaseCommand):
    help = "Purge idempotency records older than IDEMPOTENCY_RETENTION_DAYS and expired JWTs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None,
            help="Keep idempotency records this many days (default: IDEMPOTENCY_RETENTION_DAYS).",
        )

    def handle(self, *args, **options):
        days = settings.IDEMPOTENCY_RETENTION_DAYS if options["days"] is None else options["days"]
        if days < 0:
            raise CommandError("--days must not be negative")
        records = idempotency_records_purge(older_than=timezone.now() - timedelta(days=days))
        tokens = expired_tokens_flush()
        self.stdout.write(f"purged {records} idempotency record(s) older than {days} day(s), "
                          f"{tokens} expired token(s)")
