"""manage.py apply_late_fees: charge the recargos reached (run it nightly, after sweep_overdue)."""

import time

from django.core.management.base import CommandError

from core.db_session import statement_timeout_lift
from fees.runs import late_fee_run_all
from schools.management.base import SchoolsCommand


class Command(SchoolsCommand):
    help = (
        "Charge each late-fee tier an overdue invoice has reached and not been charged (one "
        "surcharge invoice per tier, capped, never on a surcharge). Idempotent; concurrent runs "
        "wait for each other. Run nightly after sweep_overdue."
    )

    def add_arguments(self, parser):
        self.add_as_of_argument(parser, help="Default: today (not in the future).")
        self.add_school_argument(parser, many=False)
        self.add_dry_run_argument(parser, help="Count and total, charge nothing.")

    def handle(self, *args, **options):
        school_id = options["school"]
        self.schools_check([school_id] if school_id else None)
        statement_timeout_lift()
        started = time.monotonic()
        try:
            results = late_fee_run_all(
                as_of=options["as_of"], dry_run=options["dry_run"], school_id=school_id
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verb = "would charge" if options["dry_run"] else "charged"
        for name, _, result in self.by_school_name(results):
            self.stdout.write(f"  {name}: {verb} {result.surcharges_created} recargos, {result.total_amount}")
        count = sum(r.surcharges_created for r in results.values())
        total = sum(r.total_amount for r in results.values())
        self.stdout.write(self.style.SUCCESS(
            f"{'Dry run: ' if options['dry_run'] else ''}{verb} {count} recargos totalling {total} in "
            f"{len(results)} school(s) ({time.monotonic() - started:.1f} s)."
        ))
