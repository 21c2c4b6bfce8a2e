"""manage.py stamp_cfdi: prepare payment complements and send every DRAFT CFDI to the PAC."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cfdi.services import stamp_pending
from schools.models import School


class Command(BaseCommand):
    help = (
        "Prepare the payment complements (Pagos 2.0) of payments on stamped PPD invoices, then send "
        "every DRAFT CFDI to the PAC (CFDI_PAC). Idempotent: safe from cron, beat or by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", help="Only this school (id).")
        parser.add_argument(
            "--limit", type=int, default=500, help="At most this many documents (default 500)."
        )

    def handle(self, *args, **options):
        school_id = options["school"]
        if school_id:
            try:
                known = School.objects.filter(pk=school_id).exists()
            except ValidationError:
                known = False
            if not known:
                raise CommandError(f"No school {school_id}.")
        counts = stamp_pending(school_id=school_id, limit=options["limit"])
        self.stdout.write(
            f"Payment complements prepared: {counts['prepared']}; stamped: {counts['stamped']}, "
            f"failed: {counts['failed']}, still waiting for the PAC: {counts['waiting']}"
        )
