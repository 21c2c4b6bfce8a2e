"""manage.py send_reminders: the nightly reminder run (one message per family, step and invoice set)."""

import uuid

from django.core.management.base import CommandError

from reminders.services import reminders_send
from schools.management.base import SchoolsCommand, arg_type

# argparse's error names it: "invalid id value: ..." (for a school or a family).
_id = arg_type(uuid.UUID, "id")


class Command(SchoolsCommand):
    help = (
        "Send the payment reminders due today under each school's reminder policy: at most once per "
        "family, step and invoice set; families that opted out are skipped; failures are retried on "
        "the next run. Safe to run twice."
    )

    def add_arguments(self, parser):
        self.add_as_of_argument(
            parser, help="The day the steps are counted from (default: today; not in the future).")
        self.add_school_argument(parser, many=True, type=_id)
        parser.add_argument("--family", type=_id, action="append", dest="families", metavar="UUID",
                            help="Only this family (repeat for several).")
        self.add_dry_run_argument(parser, help="Write the messages and count them; send and record nothing.")
        parser.add_argument("--show", action="store_true", help="Print one message of each step.")

    def handle(self, *args, **options):
        school_ids = options["schools"]
        self.schools_check(school_ids)
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
