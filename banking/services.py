"""Writes of bank collections: accounts, statement imports, the review queue's decisions.

Lock order (extends billing's): the bank account row (imports into one account queue on it), then
the bank line row (decisions on one line queue on it), then whatever the payment service locks
(family, invoices in id order, the document sequence, the school).
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

import clabe as clabe_package
import structlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from banking import matching
from banking.exceptions import (
    BankAccountExists,
    BankAccountInactive,
    BankLineAlreadyIgnored,
    BankLineAlreadyMatched,
    BankLineNoSuggestion,
    BankLineTargetInvalid,
    StatementAccountMismatch,
    StatementCurrencyMismatch,
    StatementTooLarge,
)
from banking.models import BankAccount, BankLine, BankLineStatus, BankStatement, CsvProfile, Currency
from banking.parsers import CSV_PROFILES, ParsedLine, mapping_errors, normalize_name, parse_statement
from core.money import ZERO
from core.unchanged import changes_apply
from schools.exceptions import SchoolInactive
from schools.models import School
from users.models import User

logger = structlog.get_logger(__name__)

MAX_STATEMENT_BYTES = 10 * 1024 * 1024
_CLABE = re.compile(r"^[0-9]{18}$")


# --- accounts ---------------------------------------------------------------------------------


def clabe_validate(value: str) -> str:
    """The CLABE as 18 digits, checked (bank code and control digit) by the `clabe` package."""
    value = re.sub(r"[\s-]", "", value or "")
    # `clabe` uses str.isdigit, which also takes other scripts' digits: ASCII only here.
    if not _CLABE.match(value) or not clabe_package.validate_clabe(value):
        raise ValidationError(
            {"clabe": [gettext_lazy("Not a valid CLABE (18 digits: bank, branch, account, control digit).")]}
        )
    return value


def csv_mapping_effective(account: BankAccount) -> dict:
    if account.csv_profile == CsvProfile.CUSTOM:
        return account.csv_mapping
    return CSV_PROFILES[account.csv_profile]


def csv_profile_check(csv_profile: str, csv_mapping: dict | None) -> dict:
    if csv_profile not in CsvProfile.values:
        raise ValidationError(
            {
                "csv_profile": [
                    gettext_lazy("Use one of %(choices)s.") % {"choices": ", ".join(CsvProfile.values)}
                ]
            }
        )
    if csv_profile == CsvProfile.CUSTOM:
        errors = mapping_errors(csv_mapping)
        if errors:
            raise ValidationError({"csv_mapping": errors})
        return csv_mapping
    if csv_mapping:
        raise ValidationError({"csv_mapping": [gettext_lazy("Only the CUSTOM profile takes a mapping.")]})
    return {}


@transaction.atomic
def bank_account_create(
    *,
    school_id: UUID,
    clabe: str,
    name: str = "",
    bank: str = "",
    csv_profile: str = CsvProfile.GENERIC,
    csv_mapping: dict | None = None,
    actor: User | None = None,
) -> BankAccount:
    """Register a school's bank account. The bank's name is read from the CLABE unless given.

    Raises ValidationError (bad CLABE or mapping), SchoolInactive, BankAccountExists (409).
    """
    clabe = clabe_validate(clabe)
    mapping = csv_profile_check(csv_profile, csv_mapping)
    if not School.objects.filter(pk=school_id, is_active=True).exists():
        raise SchoolInactive()
    if BankAccount.objects.filter(school_id=school_id, clabe=clabe).exists():
        raise BankAccountExists()
    account = BankAccount(
        school_id=school_id,
        clabe=clabe,
        name=name,
        currency=Currency.MXN,
        bank=bank or clabe_package.get_bank_name(clabe),
        csv_profile=csv_profile,
        csv_mapping=mapping,
    )
    account.save(force_insert=True)
    return account


@transaction.atomic
def bank_account_update(*, account_id: UUID, actor: User | None = None, **changes) -> BankAccount:
    """Change an account's name, bank label, CSV profile/mapping or active flag. The CLABE is fixed:
    lines were imported under it. Locks the account row (imports into it wait)."""
    unknown = set(changes) - {"name", "bank", "csv_profile", "csv_mapping", "is_active"}
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    account = BankAccount.objects.select_for_update().get(pk=account_id)
    if "csv_profile" in changes or "csv_mapping" in changes:
        profile = changes.get("csv_profile", account.csv_profile)
        mapping = changes.get("csv_mapping", account.csv_mapping if profile == CsvProfile.CUSTOM else None)
        changes["csv_profile"], changes["csv_mapping"] = profile, csv_profile_check(profile, mapping)
    changes_apply(account, changes)
    account.save(update_fields=[*changes, "updated_at"])
    return account


# --- statement import -------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    statement: BankStatement
    skipped_lines: list[dict] = field(default_factory=list)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def statement_is_of_account(file_account_id: str, account: BankAccount) -> bool:
    """Does the account number a file names designate this account?

    Files name it as the CLABE, the 11-digit account number inside it, or a shorter form without
    leading zeros, sometimes behind a bank code and a slash (MT940 `:25:BANK/ACCOUNT`).
    """
    text = file_account_id.rsplit("/", 1)[-1]
    digits = _digits(text)
    if not digits:
        return True  # nothing to compare (an IBAN-like id of letters): the mapping decided
    if digits == account.clabe:
        return True
    ours = account.account_number.lstrip("0")
    theirs = digits.lstrip("0")
    return bool(ours) and len(theirs) >= 7 and (theirs.endswith(ours) or ours.endswith(theirs))


def line_hash(line: ParsedLine, occurrence: int) -> str:
    """The identity of a statement line within its account.

    The bank's own transaction id (OFX FITID) when it gives one; otherwise what the line says (date,
    amount, reference, description) and which occurrence of identical lines it is in its file, so
    two identical deposits on one day stay two lines while the same statement, or an overlapping
    one that covers that day, adds nothing the second time.
    """
    if line.bank_id:
        key = f"id|{line.bank_id}"
    else:
        key = "|".join(
            [
                line.date.isoformat(),
                f"{line.amount:.2f}",
                normalize_name(line.reference),
                normalize_name(line.description),
                str(occurrence),
            ]
        )
    return hashlib.sha256(key.encode()).hexdigest()


def bank_statement_import(
    *,
    account_id: UUID,
    content: bytes,
    file_name: str,
    file_format: str | None = None,
    actor: User | None = None,
) -> ImportOutcome:
    """Import a statement file into an account, then match its new deposits.

    The file is read whole first (any unreadable line: a Statement* error, 400, nothing written).
    Then, in one transaction: the account row is locked (two imports into one account queue, so a
    line is never inserted twice; the unique hash per account would refuse it anyway), lines
    already known are counted as duplicates, withdrawals and zero lines as skipped, and the new
    deposits are matched (banking.matching) and inserted. A deposit matched by a family's
    payment reference becomes a payment at once, through the payments service. Safe to retry:
    a second import of the same file imports nothing.

    Raises StatementTooLarge, StatementEmpty, StatementUnreadable, StatementColumnsUnknown,
    StatementLinesInvalid, StatementAccountMismatch, StatementCurrencyMismatch (400),
    BankAccountInactive (409).
    """
    if len(content) > MAX_STATEMENT_BYTES:
        raise StatementTooLarge(
            gettext_lazy("The file is larger than %(value)s MiB.")
            % {"value": MAX_STATEMENT_BYTES // (1024 * 1024)}
        )
    account = BankAccount.objects.get(pk=account_id)
    if not account.is_active:
        raise BankAccountInactive()
    parsed = parse_statement(content, file_format=file_format, csv_mapping=csv_mapping_effective(account))
    if parsed.currency and parsed.currency != account.currency:
        raise StatementCurrencyMismatch()
    foreign = sorted(i for i in parsed.account_ids if not statement_is_of_account(i, account))
    if foreign:
        raise StatementAccountMismatch(
            gettext_lazy("This statement is of account %(value)s, not of %(account)s (CLABE %(clabe)s).")
            % {"value": foreign[0], "account": account, "clabe": account.clabe},
            fields={
                "file": [
                    gettext_lazy("The file's account %(choices)s is not CLABE %(clabe)s.")
                    % {"choices": ", ".join(foreign), "clabe": account.clabe}
                ]
            },
        )

    skipped = list(parsed.not_movements)
    deposits: list[tuple[ParsedLine, str]] = []
    occurrences: Counter = Counter()
    for line in parsed.lines:
        if line.amount <= ZERO:
            reason = "withdrawal: only deposits are imported" if line.amount < ZERO else "zero amount"
            skipped.append({"line": line.line_number, "reason": reason})
            continue
        identity = (line.date, line.amount, normalize_name(line.reference), normalize_name(line.description))
        occurrences[identity] += 1
        deposits.append((line, line_hash(line, occurrences[identity])))

    with transaction.atomic():
        BankAccount.objects.select_for_update().only("pk").get(pk=account.pk)
        known: set[str] = set()
        hashes = [digest for _, digest in deposits]
        for start in range(0, len(hashes), 900):
            known.update(
                BankLine.objects.filter(
                    account_id=account.pk, hash__in=hashes[start : start + 900]
                ).values_list("hash", flat=True)
            )
        new = [(line, digest) for line, digest in deposits if digest not in known]
        statement = BankStatement.objects.create(
            school_id=account.school_id,
            account=account,
            file_name=(file_name or "statement")[:255],
            file_sha256=hashlib.sha256(content).hexdigest(),
            format=parsed.format,
            imported_by=actor,
            period_start=min((line.date for line in parsed.lines), default=None),
            period_end=max((line.date for line in parsed.lines), default=None),
            lines_read=len(parsed.lines),
            duplicates=len(deposits) - len(new),
            skipped=len(skipped),
            skipped_lines=skipped[:200],
        )
        lines = [
            BankLine(
                school_id=account.school_id,
                account=account,
                statement=statement,
                line_number=parsed_line.line_number,
                date=parsed_line.date,
                amount=parsed_line.amount,
                reference=parsed_line.reference,
                description=parsed_line.description,
                raw=parsed_line.raw,
                hash=digest,
                status=BankLineStatus.UNMATCHED,
            )
            for parsed_line, digest in new
        ]
        matching.lines_match(lines, school_id=account.school_id, actor=actor)
        # The import is audited by its statement (who, when, which file); the lines' history starts
        # with the first decision on them, so 5,000 lines are 5,000 rows, not 10,000.
        BankLine.objects.bulk_create(lines, batch_size=1000)
        counts = Counter(line.status for line in lines)
        statement.imported = len(lines)
        statement.matched = counts[BankLineStatus.MATCHED]
        statement.suggested = counts[BankLineStatus.SUGGESTED]
        statement.unmatched = counts[BankLineStatus.UNMATCHED]
        statement.total_deposits = sum((line.amount for line in lines), ZERO)
        statement.save(
            update_fields=["imported", "matched", "suggested", "unmatched", "total_deposits", "updated_at"]
        )
    logger.info(
        "bank_statement_import",
        statement_id=str(statement.pk),
        account_id=str(account.pk),
        format=statement.format,
        imported=statement.imported,
        duplicates=statement.duplicates,
        skipped=statement.skipped,
        matched=statement.matched,
        suggested=statement.suggested,
        unmatched=statement.unmatched,
    )
    return ImportOutcome(statement=statement, skipped_lines=skipped)


# --- the review queue -------------------------------------------------------------------------


def _decided(line: BankLine, actor: User | None) -> None:
    line.decided_by = actor
    line.decided_at = timezone.now()
    line._history_user = actor  # simple-history: who made this decision


@transaction.atomic
def bank_line_confirm(
    *,
    line_id: UUID,
    family_id: UUID | str | None = None,
    invoice_id: UUID | str | None = None,
    actor: User | None = None,
) -> BankLine:
    """Turn a bank line into a payment: of a family (allocated oldest first, the rest is credit)
    or of one invoice. Without a target, the line's suggestion is confirmed.

    Locks the line row first, so a double click or a retry waits for the first decision and then
    finds the line MATCHED (409 bank_line_already_matched): a line becomes at most one payment.
    The line's one-to-one `payment` column and the MATCHED-iff-payment CHECK hold it in the
    database too. The target must be of the line's school (404 otherwise). Raises
    BankLineAlreadyMatched (409), BankLineTargetInvalid, BankLineNoSuggestion (400), NotFound,
    and whatever the payment service refuses (e.g. overpayment, invoice_cancelled).
    """
    line = BankLine.objects.select_for_update().get(pk=line_id)
    if line.status == BankLineStatus.MATCHED:
        raise BankLineAlreadyMatched()
    if family_id is not None and invoice_id is not None:
        raise BankLineTargetInvalid()
    if family_id is None and invoice_id is None:
        invoice_id = line.suggested_invoice_id
        family_id = matching.line_suggested_family_id(line)
        if invoice_id is None and family_id is None:
            raise BankLineNoSuggestion()
        if invoice_id is not None:
            family_id = None
    payment = matching.line_payment_create(line=line, family_id=family_id, invoice_id=invoice_id, actor=actor)
    line.payment = payment
    line.status = BankLineStatus.MATCHED
    line.match_note = "Confirmed by a person."
    _decided(line, actor)
    line.save(update_fields=["payment", "status", "match_note", "decided_by", "decided_at", "updated_at"])
    return line


@transaction.atomic
def bank_line_ignore(*, line_id: UUID, reason: str, actor: User | None = None) -> BankLine:
    """Take a line out of the queue (a transfer between own accounts, a refund...), with a reason.

    Locks the line row. An ignored line can still be confirmed later. Raises
    BankLineAlreadyMatched, BankLineAlreadyIgnored (409), ValidationError (no reason).
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [gettext_lazy("Say why this line is ignored.")]})
    line = BankLine.objects.select_for_update().get(pk=line_id)
    if line.status == BankLineStatus.MATCHED:
        raise BankLineAlreadyMatched(
            gettext_lazy("This line already became a payment; reverse the payment instead.")
        )
    if line.status == BankLineStatus.IGNORED:
        raise BankLineAlreadyIgnored()
    line.status = BankLineStatus.IGNORED
    line.ignore_reason = reason[:255]
    _decided(line, actor)
    line.save(update_fields=["status", "ignore_reason", "decided_by", "decided_at", "updated_at"])
    return line
