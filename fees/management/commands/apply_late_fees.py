"""manage.py apply_late_fees: charge the recargos reached (run it nightly, after sweep_overdue)."""

import time
import uuid
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core.db_session import statement_timeout_lift
from fees.runs import late_fee_run_all
from schools.models import School


def _date(value: str) -> date:
    return date.fromisoformat(value)


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


_date.__name__, _uuid.__name__ = "date", "school id"


class Command(BaseCommand):
    help = (
        "Charge each late-fee tier an overdue invoice has reached and not been charged (one "
        "surcharge invoice per tier, capped, never on a surcharge). Idempotent; concurrent runs "
        "wait for each other. Run nightly after sweep_overdue."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                            help="Default: today (not in the future).")
        parser.add_argument("--school", type=_uuid, metavar="UUID", help="Only this school.")
        parser.add_argument("--dry-run", action="store_true", help="Count and total, charge nothing.")

    def handle(self, *args, **options):
        school_id = options["school"]
        if school_id and not School.objects.filter(pk=school_id).exists():
            raise CommandError(f"Unknown school: {school_id}")
        statement_timeout_lift()
        started = time.monotonic()
        try:
            results = late_fee_run_all(
                as_of=options["as_of"], dry_run=options["dry_run"], school_id=school_id
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        names = dict(School.objects.filter(pk__in=list(results)).values_list("pk", "name"))
        verb = "would charge" if options["dry_run"] else "charged"
        for sid, result in sorted(results.items(), key=lambda item: names.get(item[0], "")):
            self.stdout.write(f"  {names.get(sid, sid)}: {verb} {result.surcharges_created} recargos, "
                              f"{result.total_amount}")
        count = sum(r.surcharges_created for r in results.values())
        total = sum(r.total_amount for r in results.values())
        self.stdout.write(self.style.SUCCESS(
            f"{'Dry run: ' if options['dry_run'] else ''}{verb} {count} recargos totalling {total} in "
            f"{len(results)} school(s) ({time.monotonic() - started:.1f} s)."
        ))
