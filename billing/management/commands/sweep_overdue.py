"""manage.py sweep_overdue: persist OVERDUE on invoices past their due date (run it nightly)."""

import time

from django.core.management.base import CommandError

from billing.exceptions import OverdueSweepRunning
from billing.services import invoice_overdue_sweep
from core.db_session import statement_timeout_lift
from schools.management.base import SchoolsCommand, user_get


class Command(SchoolsCommand):
    help = (
        "Mark every invoice past its due date and not fully paid as OVERDUE (never PAID or "
        "CANCELLED ones). Idempotent; concurrent runs wait for each other. Prints and logs the count "
        "per school."
    )

    def add_arguments(self, parser):
        self.add_as_of_argument(
            parser, help="Invoices due before this day (default: today; not in the future).")
        self.add_school_argument(parser, many=True)
        self.add_dry_run_argument(parser, help="Count, change nothing.")
        parser.add_argument("--no-wait", action="store_true",
                            help="Exit with an error instead of waiting when another sweep is running.")
        self.add_user_argument(parser, help="Who runs it, for the invoices' history (default: the system).")

    def handle(self, *args, **options):
        school_ids = options["schools"]
        self.schools_check(school_ids)
        actor = user_get(options["user"])
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

        verb = "would change" if options["dry_run"] else "changed"
        for name, school_id, count in self.by_school_name(changed):
            self.stdout.write(f"  {name} ({school_id}): {count} {verb}")
        total = sum(changed.values())
        summary = (
            f"{'Dry run: ' if options['dry_run'] else ''}{total} invoices {verb} to OVERDUE "
            f"in {len(changed)} schools ({seconds:.2f}s)."
        )
        self.stdout.write(self.style.SUCCESS(summary) if total else summary)
