"""manage.py import_bank_statement: import and match a bank statement file, like the admin and the API."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from banking.models import BankAccount, StatementFormat
from banking.services import MAX_STATEMENT_BYTES, bank_statement_import
from core.exceptions import DomainError
from schools.management.base import user_get


class Command(BaseCommand):
    help = (
        "Import a bank statement (CSV with the account's column mapping, OFX or MT940) into a school's "
        "bank account and match its deposits. Lines already imported are counted as duplicates; the "
        "file imports whole or not at all. Exit 1 with the per-line errors when it cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the statement file.")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--account", help="Bank account id (UUID).")
        target.add_argument("--clabe", help="The account's CLABE (must be unique across schools).")
        parser.add_argument(
            "--format", choices=StatementFormat.values, help="Default: read from the content."
        )
        parser.add_argument("--user", help="Username recorded as the importer (and on the payments).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > MAX_STATEMENT_BYTES:
            raise CommandError(f"{path} is larger than {MAX_STATEMENT_BYTES // (1024 * 1024)} MiB.")
        account = self._account(options)
        actor = user_get(options["user"])
        try:
            outcome = bank_statement_import(
                account_id=account.pk,
                content=path.read_bytes(),
                file_name=path.name,
                file_format=options["format"],
                actor=actor,
            )
        except DomainError as refusal:
            lines = [f"{refusal.code}: {refusal.detail}"]
            for messages in (refusal.fields or {}).values():
                lines.extend(f"  {message}" for message in messages)
            raise CommandError("\n".join(lines)) from None
        statement = outcome.statement
        self.stdout.write(
            self.style.SUCCESS(
                f"{statement.file_name} ({statement.format}) into {account}: "
                f"{statement.lines_read} lines read, "
                f"{statement.imported} imported, {statement.duplicates} duplicates, "
                f"{statement.skipped} skipped"
            )
        )
        self.stdout.write(
            f"  matched {statement.matched}, suggested {statement.suggested}, "
            f"unmatched {statement.unmatched}; "
            f"deposits {statement.total_deposits}"
        )
        for skipped in outcome.skipped_lines[:20]:
            self.stdout.write(f"  line {skipped['line']}: skipped, {skipped['reason']}")

    def _account(self, options) -> BankAccount:
        if options["account"]:
            try:
                return BankAccount.objects.get(pk=options["account"])
            except (BankAccount.DoesNotExist, ValueError, Exception) as exc:  # malformed UUIDs too
                raise CommandError(f"No bank account {options['account']!r}.") from exc
        accounts = list(BankAccount.objects.filter(clabe=options["clabe"].strip())[:2])
        if len(accounts) != 1:
            raise CommandError(
                f"{'No' if not accounts else 'More than one'} bank account with CLABE {options['clabe']!r}; "
                "use --account."
            )
        return accounts[0]
