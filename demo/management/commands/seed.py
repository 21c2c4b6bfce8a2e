"""manage.py seed: realistic schools, students, monthly tuition invoices and payments."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.db_session import statement_timeout_lift
from demo.management.commands._progress import ProgressBar
from demo.seeding import seed_counts, seed_data_load, seed_data_reset
from reminders.demo import demo_reminders_prepare


def _positive_or_zero(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


_positive_or_zero.__name__ = "non-negative integer"  # argparse names the type in its error

class Command(BaseCommand):
    help = (
        "Fill the database with realistic demo data (Mexican schools, students, fee plans with becas, "
        "sibling and pronto-pago discounts; the monthly billing runs over --months ending next month, "
        "payments: on time, late, partial, never; recargos on what is unpaid). "
        "Same --seed on the same day gives the same data, ids and numbers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=_positive_or_zero, default=3)
        parser.add_argument("--students-per-school", type=_positive_or_zero, default=25)
        parser.add_argument("--months", type=_positive_or_zero, default=8,
                            help="Monthly invoices per student, ending next month (default 8).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--bank-statement-schools", type=_positive_or_zero, default=None,
            help="Import demo bank statements for the first N schools only (default: every school; "
            "each import matches its deposits through the banking service, about a second a school).",
        )
        parser.add_argument(
            "--cfdi-schools", type=_positive_or_zero, default=2,
            help="Give the first N schools a fiscal profile and a few CFDIs stamped by the fake PAC "
            "(default 2; 0: none).",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--if-empty", action="store_true",
                          help="Do nothing (exit 0) when the database already has schools.")
        mode.add_argument("--reset", action="store_true",
                          help="Delete all schools, students, invoices and payments first (asks first).")
        parser.add_argument("--yes", "-y", action="store_true", help="Do not ask before --reset.")

    def handle(self, *args, **options):
        statement_timeout_lift()
        counts = seed_counts()
        if counts["schools"] and options["if_empty"]:
            self.stdout.write(f"The database already has {counts['schools']} schools; nothing seeded.")
            return
        if counts["schools"] and not options["reset"]:
            raise CommandError(
                f"The database already has {counts['schools']} schools. "
                "Use --reset to replace the data, or --if-empty to keep it."
            )
        if options["reset"] and any(counts.values()) and not options["yes"]:
            self._confirm_reset(counts)

        bar = ProgressBar(self.stderr, "Seeding schools", enabled=None if options["verbosity"] else False)
        with transaction.atomic():
            if options["reset"]:
                seed_data_reset()
            summary = seed_data_load(
                schools=options["schools"],
                students_per_school=options["students_per_school"],
                months=options["months"],
                seed=options["seed"],
                progress=bar,
            )
            # Families for the students (siblings by last names) and each school's default reminder
            # policy, before the bank statements so their deposits can carry family references.
            families = demo_reminders_prepare()["families"]
        self._print_summary(summary, reset=options["reset"], counts=counts)
        self.stdout.write(f"  families       : {families} (each school with the default reminder policy)")
        self._bank_statements(options["seed"], options["bank_statement_schools"])
        self._cfdi(options["cfdi_schools"])

    def _bank_statements(self, seed: int, limit: int | None = None) -> None:
        # Each school's bank account gets a month of deposits, imported and matched like a real
        # statement (banking.demo), so the review queue shows every status.
        from banking.demo import demo_bank_statements_load
        from schools.models import School

        school_ids = list(School.objects.order_by("name").values_list("pk", flat=True)[:limit])
        if not school_ids:
            return
        bank = demo_bank_statements_load(seed=seed, school_ids=school_ids)
        self.stdout.write(
            f"  bank statements: {bank['statements']} imported, {bank['imported']} deposits "
            f"({bank['duplicates']} duplicates, {bank['skipped']} fees skipped): {bank['matched']} matched, "
            f"{bank['suggested']} suggested, {bank['unmatched']} unmatched, {bank['ignored']} ignored"
        )

    def _cfdi(self, schools: int) -> None:
        # A fiscal profile (a throw-away CSD) and a few CFDIs stamped by the fake PAC per school:
        # paid in full (PUE), partly paid with its payment complement (PPD), unpaid (PPD).
        from cfdi.demo import demo_cfdi_load

        if not schools:
            return
        cfdi = demo_cfdi_load(schools=schools)
        if not cfdi.profiles:
            return
        self.stdout.write(
            f"  CFDI           : {cfdi.profiles} fiscal profiles, {cfdi.stamped} invoices stamped and "
            f"{cfdi.payment_complements} payment complements (fake PAC, no fiscal value)"
        )
        if cfdi.password_generated:
            self.stdout.write(
                "  (the demo CSD keys use a password made for this run only; put CFDI_CSD_PASSWORD in .env "
                "before seeding to stamp more documents later)"
            )

    def _confirm_reset(self, counts: dict[str, int]) -> None:
        what = ", ".join(f"{n} {name}" for name, n in counts.items())
        if not sys.stdin.isatty():
            raise CommandError(f"--reset would delete {what}; pass --yes to confirm when not interactive.")
        answer = input(f"This deletes {what} (and their memberships and history). Type 'yes' to go on: ")
        if answer.strip().lower() != "yes":
            raise CommandError("Reset cancelled; nothing changed.")

    def _print_summary(self, summary, *, reset: bool, counts: dict[str, int]) -> None:
        out = self.stdout
        if reset:
            out.write("Deleted: " + ", ".join(f"{n} {name}" for name, n in counts.items()))
        out.write(self.style.SUCCESS(
            f"Seeded {summary.schools} schools, {summary.students} students, "
            f"{summary.invoices} invoices, {summary.payments} payments in {summary.seconds:.1f}s"
        ))
        if summary.first_due:
            out.write(f"  due dates      : {summary.first_due} .. {summary.last_due}")
        statuses = ", ".join(f"{s} {n}" for s, n in sorted(summary.invoices_by_status.items()))
        methods = ", ".join(f"{m} {n}" for m, n in sorted(summary.payments_by_method.items()))
        out.write(f"  invoices       : {statuses or '-'}")
        out.write(f"  payments       : {methods or '-'}")
        if summary.families:
            f = summary.families
            out.write(f"  families       : {f.families} ({f.students_in_families} students); "
                      f"{f.family_payments} paid for two children with credit left, {f.credit_notes} "
                      f"credit notes, {f.reversals} bounced cheques reversed")
        if summary.fees:
            fees = summary.fees
            out.write(f"  fee plans      : {fees.school_years} school years, {fees.plans} plans "
                      f"(inscripción, colegiatura), {fees.enrollments} enrollments; "
                      f"{fees.scholarships} becas, "
                      f"{fees.sibling_discounts} sibling discounts, pronto pago for "
                      f"{fees.early_payment_families} families")
            out.write(f"  billing runs   : {fees.runs} runs issued {fees.run_invoices} invoices "
                      f"({fees.runs_seconds:.1f}s); {fees.recargos} recargos charged, "
                      f"{fees.recargos_waived} waived")
        out.write(f"  billed         : {summary.billed} (cancelled invoices excluded)")
        out.write(f"  collected      : {summary.collected}")
