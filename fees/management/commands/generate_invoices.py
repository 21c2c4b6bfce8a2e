"""manage.py generate_invoices --period YYYY-MM: issue the month's invoices from the fee plans."""

import time
import uuid

from django.core.management.base import BaseCommand, CommandError

from core.db_session import statement_timeout_lift
from fees.calendar import Period
from fees.runs import billing_run_all
from schools.models import School


def _period(value: str) -> Period:
    return Period.parse(value)


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


_period.__name__, _uuid.__name__ = "period (YYYY-MM)", "school id"


class Command(BaseCommand):
    help = (
        "Issue every enrolled student's invoice for a period from the fee plans (lines, becas and "
        "discounts, pronto pago), one school at a time. Idempotent: what is already issued is skipped "
        "and counted; concurrent runs wait for each other."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", type=_period, required=True, metavar="YYYY-MM")
        parser.add_argument("--school", type=_uuid, metavar="UUID", help="Only this school.")
        parser.add_argument("--dry-run", action="store_true", help="Count and total, issue nothing.")

    def handle(self, *args, **options):
        school_id = options["school"]
        if school_id and not School.objects.filter(pk=school_id).exists():
            raise CommandError(f"Unknown school: {school_id}")
        statement_timeout_lift()
        started = time.monotonic()
        results = billing_run_all(period=options["period"], dry_run=options["dry_run"], school_id=school_id)
        names = dict(School.objects.filter(pk__in=list(results)).values_list("pk", "name"))
        verb = "would issue" if options["dry_run"] else "issued"
        for sid, result in sorted(results.items(), key=lambda item: names.get(item[0], "")):
            self.stdout.write(
                f"  {names.get(sid, sid)}: {verb} {result.invoices_created} invoices, {result.total_amount}; "
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
