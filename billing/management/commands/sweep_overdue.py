"""manage.py sweep_overdue: persist OVERDUE on invoices past their due date (run it nightly)."""

import time
import uuid
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from billing.exceptions import OverdueSweepRunning
from billing.services import invoice_overdue_sweep
from core.db_session import statement_timeout_lift
from schools.models import School
from users.models import User


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(value) from None


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


# argparse names the type in its error: "invalid date value: '2026-02-30'".
_date.__name__, _uuid.__name__ = "date", "school id"


class Command(BaseCommand):
    help = (
        "Mark every invoice past its due date and not fully paid as OVERDUE (never PAID or "
        "CANCELLED ones). Idempotent; concurrent runs wait for each other. Prints and logs the count "
        "per school."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                            help="Invoices due before this day (default: today; not in the future).")
        parser.add_argument("--school", type=_uuid, action="append", dest="schools", metavar="UUID",
                            help="Only this school (repeat for several).")
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        parser.add_argument("--no-wait", action="store_true",
                            help="Exit with an error instead of waiting when another sweep is running.")
        parser.add_argument("--user", metavar="USERNAME",
                            help="Who runs it, for the invoices' history (default: the system).")

    def handle(self, *args, **options):
        school_ids = options["schools"]
        if school_ids:
            known = set(School.objects.filter(pk__in=school_ids).values_list("pk", flat=True))
            unknown = [str(s) for s in school_ids if s not in known]
            if unknown:
                raise CommandError(f"Unknown school: {', '.join(unknown)}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']!r}.")
        statement_timeout_lift()
        started = time.monotonic()
        try:
            changed = invoice_overdue_sweep(
                school_ids=school_ids, as_of=options["as_of"], dry_run=options["dry_run"],
                wait=not options["no_wait"], user=actor, via="manage.py sweep_overdue",
            )
        except (ValueError, OverdueSweepRunning) as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started

        names = dict(School.objects.filter(pk__in=changed).values_list("pk", "name"))
        verb = "would change" if options["dry_run"] else "changed"
        for school_id, count in sorted(changed.items(), key=lambda item: names.get(item[0], "")):
            self.stdout.write(f"  {names.get(school_id, school_id)} ({school_id}): {count} {verb}")
        total = sum(changed.values())
        summary = (
            f"{'Dry run: ' if options['dry_run'] else ''}{total} invoices {verb} to OVERDUE "
            f"in {len(changed)} schools ({seconds:.2f}s)."
        )
        self.stdout.write(self.style.SUCCESS(summary) if total else summary)
