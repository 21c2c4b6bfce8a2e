"""Refusals of the bank-collections services, each with a stable code (part of the API)."""

from http import HTTPStatus

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class BankingError(DomainError, code="banking_error"):
    """A bank-collections rule refused the operation."""


class StatementEmpty(BankingError, code="statement_empty"):
    default_detail = _("The file holds no statement lines.")


class StatementUnreadable(BankingError, code="statement_unreadable"):
    default_detail = _("The file could not be read as a bank statement of the given format.")


class StatementColumnsUnknown(BankingError, code="statement_columns_unknown"):
    default_detail = _("The file's columns do not match this account's CSV column mapping.")


class StatementLinesInvalid(BankingError, code="statement_lines_invalid"):
    """Per-line errors in `fields["file"]`; nothing of the file was imported."""

    default_detail = _("Some lines of the statement are invalid; nothing was imported.")


class StatementAccountMismatch(BankingError, code="statement_account_mismatch"):
    default_detail = _("This statement belongs to another bank account.")


class StatementCurrencyMismatch(BankingError, code="statement_currency_mismatch"):
    default_detail = _("The statement is not in the account's currency (MXN).")


class StatementTooLarge(BankingError, code="statement_too_large"):
    default_detail = _("The file is too large for one statement.")


class BankAccountExists(BankingError, code="bank_account_exists", status=HTTPStatus.CONFLICT):
    default_detail = _("This school already has a bank account with this CLABE.")


class BankAccountInactive(BankingError, code="bank_account_inactive", status=HTTPStatus.CONFLICT):
    default_detail = _("This bank account is inactive; statements cannot be imported into it.")


class BankLineAlreadyMatched(BankingError, code="bank_line_already_matched", status=HTTPStatus.CONFLICT):
    default_detail = _("This bank line already became a payment; it cannot be matched again.")


class BankLineAlreadyIgnored(BankingError, code="bank_line_already_ignored", status=HTTPStatus.CONFLICT):
    default_detail = _("This bank line is already ignored.")


class BankLineNoSuggestion(BankingError, code="bank_line_no_suggestion"):
    default_detail = _("This line has no suggestion to confirm; send a family_id or an invoice_id.")


class BankLineTargetInvalid(BankingError, code="bank_line_target_invalid"):
    default_detail = _("Send exactly one of family_id and invoice_id.")
