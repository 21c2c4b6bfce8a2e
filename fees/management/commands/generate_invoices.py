"""manage.py generate_invoices --period YYYY-MM: issue the month's invoices from the fee plans."""

import time

from core.db_session import statement_timeout_lift
from fees.calendar import Period
from fees.runs import billing_run_all
from schools.management.base import SchoolsCommand, arg_type


class Command(SchoolsCommand):
    help = (
        "Issue every enrolled student's invoice for a period from the fee plans (lines, becas and "
        "discounts, pronto pago), one school at a time. Idempotent: what is already issued is skipped "
        "and counted; concurrent runs wait for each other."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", type=arg_type(Period.parse, "period (YYYY-MM)"), required=True,
                            metavar="YYYY-MM")
        self.add_school_argument(parser, many=False)
        self.add_dry_run_argument(parser, help="Count and total, issue nothing.")

    def handle(self, *args, **options):
        school_id = options["school"]
        self.schools_check([school_id] if school_id else None)
        statement_timeout_lift()
        started = time.monotonic()
        results = billing_run_all(period=options["period"], dry_run=options["dry_run"], school_id=school_id)
        verb = "would issue" if options["dry_run"] else "issued"
        for name, _, result in self.by_school_name(results):
            self.stdout.write(
                f"  {name}: {verb} {result.invoices_created} invoices, {result.total_amount}; "
                f"{result.already_issued} already issued"
            )
        invoices = sum(r.invoices_created for r in results.values())
        total = sum(r.total_amount for r in results.values())
        already = sum(r.already_issued for r in results.values())
        self.stdout.write(self.style.SUCCESS(
            f"{'Dry run: ' if options['dry_run'] else ''}{options['period']}: {verb} {invoices} invoices "
            f"totalling {total} in {len(results)} school(s); {already} already issued "
            f"({time.monotonic() - started:.1f} s)."
        ))
