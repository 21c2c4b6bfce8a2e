"""manage.py send_reminders: the nightly reminder run (one message per family, step and invoice set)."""

import uuid
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from reminders.services import reminders_send
from schools.models import School


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(value) from None


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


_date.__name__, _uuid.__name__ = "date", "id"


class Command(BaseCommand):
    help = (
        "Send the payment reminders due today under each school's reminder policy: at most once per "
        "family, step and invoice set; families that opted out are skipped; failures are retried on "
        "the next run. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                            help="The day the steps are counted from (default: today; not in the future).")
        parser.add_argument("--school", type=_uuid, action="append", dest="schools", metavar="UUID",
                            help="Only this school (repeat for several).")
        parser.add_argument("--family", type=_uuid, action="append", dest="families", metavar="UUID",
                            help="Only this family (repeat for several).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Write the messages and count them; send and record nothing.")
        parser.add_argument("--show", action="store_true", help="Print one message of each step.")

    def handle(self, *args, **options):
        school_ids = options["schools"]
        if school_ids:
            known = set(School.objects.filter(pk__in=school_ids).values_list("pk", flat=True))
            unknown = [str(s) for s in school_ids if s not in known]
            if unknown:
                raise CommandError(f"Unknown school: {', '.join(unknown)}")
        try:
            result = reminders_send(as_of=options["as_of"], school_ids=school_ids,
                                    family_ids=options["families"], dry_run=options["dry_run"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["show"] or options["dry_run"]:
            for offset, sample in sorted(result.samples.items()):
                self.stdout.write(f"\n=== step {offset:+d} · {sample['channel']} · {sample['kind']} · "
                                  f"{sample['source']} {sample['recipient']}")
                if sample["subject"]:
                    self.stdout.write(f"Subject: {sample['subject']}")
                self.stdout.write(sample["body"])
        verb = "would send" if result.dry_run else "sent"
        steps = ", ".join(f"{offset}: {n}" for offset, n in sorted(result.by_step.items())) or "none"
        summary = (
            f"{'Dry run: ' if result.dry_run else ''}{sum(result.by_step.values())} reminders {verb} "
            f"as of {result.as_of} ({steps} by step), {result.failed} failed "
            f"(retried next run), {result.already_sent} already sent, {result.opted_out} families opted "
            f"out, {result.suspension_not_eligible} suspension notices not due (fewer than 3 unpaid "
            f"colegiaturas); {result.schools} schools, {result.seconds:.2f}s."
        )
        self.stdout.write(self.style.SUCCESS(summary) if not result.failed else self.style.WARNING(summary))
