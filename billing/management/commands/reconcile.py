"""manage.py reconcile: check the books; exit 1 when anything is inconsistent."""

import time

import structlog
from django.core.management.base import CommandError

from billing.reconcile import invoice_derived_fields_repair, invoice_discrepancy_list
from core.db_session import statement_timeout_lift
from schools.management.base import SchoolsCommand, user_get
from schools.models import School

logger = structlog.get_logger(__name__)


class Command(SchoolsCommand):
    help = (
        "Check that every invoice's paid_amount equals the sum of its live allocations and its "
        "credited_amount the sum of its credit notes, its stored status equals the derived one, no "
        "invoice is paid or credited above its amount, no cancelled invoice has payments, and every "
        "payment's allocated, refunded and reversed figures match its rows. Prints each discrepancy; "
        "exits 1 when any is left, 0 when clean. --fix repairs paid_amount, credited_amount and "
        "status (never payments or corrections) and prints what it changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true",
                            help="Repair paid_amount and status; payments are never changed.")
        self.add_school_argument(parser, many=True)
        self.add_user_argument(
            parser, help="Who runs --fix, for the invoices' history (default: the system).")

    def handle(self, *args, **options):
        statement_timeout_lift()
        started = time.monotonic()
        actor = user_get(options["user"])
        school_ids = options["schools"]
        self.schools_check(school_ids)
        report = invoice_discrepancy_list(school_ids=school_ids)
        names = dict(School.objects.values_list("pk", "name"))

        for d in report.discrepancies:
            where = f"invoice {d.invoice_number} ({d.invoice_id})" if d.invoice_id else f"({d.payment_id})"
            self.stdout.write(f"{d.kind:<24} {names.get(d.school_id, d.school_id)} {where}: {d.detail}")
        if report.stale_overdue:
            total = sum(report.stale_overdue.values())
            self.stdout.write(
                f"info: {total} invoices in {len(report.stale_overdue)} schools are past due but still "
                "stored PENDING/PARTIAL (not swept yet; reads already say OVERDUE). "
                "Not a discrepancy; `manage.py sweep_overdue` persists it."
            )

        if options["fix"] and report.discrepancies:
            repairs = invoice_derived_fields_repair(invoice_ids=report.repairable_invoice_ids(),
                                                    today=report.today, user=actor,
                                                    via="manage.py reconcile --fix")
            for r in repairs:
                changes = ", ".join(f"{name} {old} -> {new}" for name, (old, new) in r.changes.items())
                self.stdout.write(self.style.WARNING(
                    f"fixed {names.get(r.school_id, r.school_id)} invoice {r.invoice_number} "
                    f"({r.invoice_id}): {changes}"
                ))
            self.stdout.write(f"Repaired {len(repairs)} invoices.")
            report = invoice_discrepancy_list(school_ids=school_ids, today=report.today)
            for d in report.discrepancies:
                self.stdout.write(self.style.ERROR(
                    f"left: {d.kind} invoice {d.invoice_number} ({d.invoice_id}): {d.detail}"
                ))

        seconds = time.monotonic() - started
        # One JSON line for monitoring (alert on discrepancies > 0).
        logger.info("reconcile.done", invoices=report.invoices_checked,
                    discrepancies=len(report.discrepancies), by_kind=dict(report.by_kind()),
                    stale_overdue=sum(report.stale_overdue.values()), fix=options["fix"],
                    seconds=round(seconds, 3))
        if report.clean:
            self.stdout.write(self.style.SUCCESS(
                f"Clean: {report.invoices_checked} invoices checked in {seconds:.1f}s."
            ))
            return
        counts = ", ".join(f"{kind} {n}" for kind, n in sorted(report.by_kind().items()))
        repairable = any(d.repairable for d in report.discrepancies)
        hint = " Run with --fix to repair paid_amount and status." if repairable else ""
        raise CommandError(
            f"{len(report.discrepancies)} discrepancies in {report.invoices_checked} invoices ({counts})."
            + hint,
            returncode=1,
        )
