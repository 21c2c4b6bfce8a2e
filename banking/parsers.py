"""Bank statement files -> statement lines. CSV (a column mapping per account), OFX, MT940.

Parsing is all or nothing: every line is read first, and any line that cannot be read makes the
whole file a 400 that lists the lines at fault (`StatementLinesInvalid`, fields["file"]), so a
statement never imports half. Lines come out signed (a withdrawal is negative); which ones to keep
is the import service's business ("only deposits are considered").

What banks really send, and what this module is lenient about:
- encodings: UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text"), and the
  Windows-1252/Latin-1 many Mexican bank portals still export;
- amounts with a currency sign, thousands separators (`$1,234.50`), a sign in front or behind,
  accounting parentheses; never more than two decimals (that is not money, it is a wrong column);
- dates as DD/MM/YYYY (also `-` or `.`, two-digit years, Spanish month abbreviations like
  `05/ENE/2026`) or ISO YYYY-MM-DD. Never MM/DD: a Mexican bank does not write them, and guessing
  would silently swap day and month;
- preamble lines before the CSV header (account number, period), blank lines, rows without a
  date (totals, balances carried forward) which are reported as skipped.

CSV profiles. The column names of the ready profiles are modelled on the exports that Mexican
banks' web portals typically produce, as seen in public import scripts and accounting-software
templates; no bank publishes a formal specification, and column names drift between portal
versions. A profile therefore matches header names loosely (case, accents and spacing ignored),
and any account can use a custom mapping instead (`BankAccount.csv_mapping`, profile CUSTOM).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext, gettext_lazy

from banking.exceptions import (
    StatementColumnsUnknown,
    StatementCurrencyMismatch,
    StatementEmpty,
    StatementLinesInvalid,
    StatementUnreadable,
)
from banking.models import CsvProfile, StatementFormat
from core.money import MAX_AMOUNT, to_money

MAX_REPORTED_ERRORS = 50
HEADER_SEARCH_ROWS = 30

# Mapping keys: date, description (a column or a list: joined), reference (column or list),
# amount (signed) | credit [+ debit], sign + credit_signs (a column saying + or - / A or C),
# account (a column holding the account number), decimal_separator ("." or ","), delimiter.
# Required columns: date, the first description column, and amount or credit. The others are
# used when the file has them.
CSV_PROFILES: dict[str, dict] = {
    # The layout most bank-agnostic exports (and our own demo files) use.
    CsvProfile.GENERIC: {
        "date": "Fecha",
        "description": "Descripción",
        "reference": "Referencia",
        "amount": "Importe",
    },
    # BBVA México "Movimientos" export (net cash / bbva.mx): Día, Concepto / Referencia, cargo,
    # Abono, Saldo. The payment reference travels inside the concept, after the slash.
    CsvProfile.BBVA_MX: {
        "date": "Día",
        "description": "Concepto / Referencia",
        "debit": "Cargo",
        "credit": "Abono",
    },
    # Banorte "Consulta de movimientos" CSV: Cuenta, Fecha De Operación, Fecha, Referencia,
    # Descripción, Cod. Transac, Sucursal, Depósitos, Retiros, Saldo, Movimiento, Descripción
    # Detallada. Usually Latin-1.
    CsvProfile.BANORTE: {
        "account": "Cuenta",
        "date": "Fecha",
        "reference": "Referencia",
        "description": ["Descripción", "Descripción Detallada"],
        "credit": "Depósitos",
        "debit": "Retiros",
    },
    # Santander México "Movimientos" export: Cuenta, Fecha, Hora, Sucursal, Descripción,
    # Cargo/Abono (+ or -), Importe (unsigned), Saldo, Referencia, Concepto.
    CsvProfile.SANTANDER_MX: {
        "account": "Cuenta",
        "date": "Fecha",
        "description": ["Descripción", "Concepto"],
        "reference": "Referencia",
        "amount": "Importe",
        "sign": "Cargo/Abono",
        "credit_signs": ["+", "abono", "a", "c"],
    },
}

_MAPPING_KEYS = {
    "date",
    "description",
    "reference",
    "amount",
    "credit",
    "debit",
    "sign",
    "credit_signs",
    "account",
    "decimal_separator",
    "delimiter",
}


@dataclass
class ParsedLine:
    line_number: int
    date: date
    amount: Decimal  # signed: deposits > 0
    reference: str = ""
    description: str = ""
    raw: str = ""
    bank_id: str = ""  # the bank's own id for the transaction (OFX FITID), when there is one


@dataclass
class ParsedStatement:
    format: str
    lines: list[ParsedLine]
    account_ids: set[str] = field(default_factory=set)
    currency: str | None = None
    not_movements: list[dict] = field(default_factory=list)  # rows without a date: totals...


# --- small readers ------------------------------------------------------------------------------


def normalize_name(text: str) -> str:
    """Header (and name) comparison key: no accents, case or repeated spaces."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def decode(content: bytes) -> str:
    """Bytes -> text: UTF-16 (BOM), UTF-8 (BOM optional), else Windows-1252, else Latin-1."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise StatementUnreadable(gettext_lazy("The file says UTF-16 but is not.")) from None
    if b"\x00" in content:
        raise StatementUnreadable(
            gettext_lazy("The file is binary (a spreadsheet?); export it as CSV, OFX or MT940.")
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")  # every byte is a character: never fails


_SPANISH_MONTHS = {
    "ene": 1,
    "feb": 2,
    "mar": 3,
    "abr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "ago": 8,
    "sep": 9,
    "set": 9,
    "oct": 10,
    "nov": 11,
    "dic": 12,
    "jan": 1,
    "apr": 4,
    "aug": 8,
    "dec": 12,
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_DMY_DATE = re.compile(r"^(\d{1,2})[/\-. ]([0-9]{1,2}|[A-Za-z]{3})\.?[/\-. ](\d{4}|\d{2})(?:[T ].*)?$")


def parse_date(text: str) -> date:
    """DD/MM/YYYY (and kin) or YYYY-MM-DD; ValueError with a sentence otherwise."""
    value = (text or "").strip()
    match = _ISO_DATE.match(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _DMY_DATE.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a date (DD/MM/YYYY)")
        day_text, month_text, year_text = match.groups()
        day = int(day_text)
        if month_text.isdigit():
            month = int(month_text)
        else:
            month = _SPANISH_MONTHS.get(month_text.casefold(), 0)
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (DD/MM/YYYY)") from None


def parse_amount(text: str, *, decimal_separator: str = ".") -> Decimal | None:
    """'$1,234.50' -> Decimal('1234.50'); '(12.00)', '-12', '12-' are negative; blank or '-' -> None."""
    value = (text or "").strip()
    for noise in ("$", "MXN", "MN", " ", "\u00a0", "'"):
        value = value.replace(noise, "")
    if value in ("", "-"):
        return None
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    if value.endswith("-"):
        negative, value = True, value[:-1]
    elif value.startswith("-"):
        negative, value = True, value[1:]
    elif value.startswith("+"):
        value = value[1:]
    thousands = "," if decimal_separator == "." else "."
    pattern = (
        rf"^(\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|\d+)(?:{re.escape(decimal_separator)}(\d{{1,2}}))?$"
    )
    match = re.match(pattern, value)
    if not match:
        raise ValueError(f"{text.strip()!r} is not an amount")
    whole, cents = match.groups()
    amount = to_money(Decimal(whole.replace(thousands, "") + "." + (cents or "0")))
    if amount > MAX_AMOUNT:
        raise ValueError(f"{text.strip()!r} is too large")
    return -amount if negative else amount


def _clean(text: str, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


def _line_errors(errors: list[str]) -> StatementLinesInvalid:
    shown = errors[:MAX_REPORTED_ERRORS]
    if len(errors) > MAX_REPORTED_ERRORS:
        shown.append(f"... and {len(errors) - MAX_REPORTED_ERRORS} more.")
    return StatementLinesInvalid(
        gettext_lazy("%(value)s line(s) of the statement are invalid; nothing was imported.")
        % {"value": len(errors)},
        fields={"file": shown},
    )


# --- CSV ------------------------------------------------------------------------------------------


def mapping_errors(mapping: dict) -> list[str]:
    """What is wrong with a custom CSV column mapping (empty list: usable), in the active language."""
    _ = gettext
    if not isinstance(mapping, dict):
        return [
            _('Must be an object, e.g. {"date": "Fecha", "description": "Concepto", "amount": "Importe"}.')
        ]
    errors = [_("Unknown key %(key)s.") % {"key": repr(key)} for key in sorted(set(mapping) - _MAPPING_KEYS)]
    for key in ("date", "description"):
        if not mapping.get(key):
            errors.append(_("%(key)s (the column name) is required.") % {"key": repr(key)})
    if not mapping.get("amount") and not mapping.get("credit"):
        errors.append(_("Name the 'amount' column (signed) or the 'credit' column (deposits)."))
    for key in ("date", "amount", "credit", "debit", "sign", "account", "description", "reference"):
        value = mapping.get(key)
        names = value if isinstance(value, list) else [value]
        if value is not None and not all(isinstance(n, str) and 0 < len(n) <= 100 for n in names):
            errors.append(_("%(key)s must be a column name or a list of column names.") % {"key": repr(key)})
    if mapping.get("decimal_separator", ".") not in (".", ","):
        errors.append(_("'decimal_separator' is '.' or ','."))
    if mapping.get("delimiter") is not None and mapping.get("delimiter") not in (",", ";", "\t", "|"):
        errors.append(_("'delimiter' is one of , ; | or a tab."))
    signs = mapping.get("credit_signs")
    if signs is not None and not (isinstance(signs, list) and all(isinstance(s, str) for s in signs)):
        errors.append(_("'credit_signs' is a list of the values that mean a deposit, e.g. [\"+\"]."))
    return errors


def _names(value) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def parse_csv(text: str, mapping: dict) -> ParsedStatement:
    delimiter = mapping.get("delimiter") or _sniff_delimiter(text)
    decimal_separator = mapping.get("decimal_separator", ".")
    required = [
        mapping["date"],
        _names(mapping["description"])[0],
        mapping.get("amount") or mapping["credit"],
    ]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    header: list[str] | None = None
    first_rows: list[list[str]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            keys = [normalize_name(cell) for cell in row]
            if all(normalize_name(name) in keys for name in required):
                header = keys
                break
            first_rows.append(row)
            if len(first_rows) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error as exc:
        raise StatementUnreadable(gettext_lazy("Not a readable CSV file: %(exc)s.") % {"exc": exc}) from None
    if header is None:
        if not first_rows:
            raise StatementEmpty()
        seen = ", ".join(cell.strip() for cell in first_rows[0] if cell.strip())[:300]
        raise StatementColumnsUnknown(
            fields={
                "file": [
                    gettext_lazy(
                        "Expected the columns %(choices)s (this account's CSV mapping); "
                        "the file's first row has: %(seen)s."
                    )
                    % {"choices": ", ".join(required), "seen": seen}
                ]
            }
        )

    def column(name: str) -> int | None:
        key = normalize_name(name)
        return header.index(key) if key in header else None

    date_col = column(mapping["date"])
    description_cols = [c for c in (column(n) for n in _names(mapping["description"])) if c is not None]
    reference_cols = [c for c in (column(n) for n in _names(mapping.get("reference"))) if c is not None]
    amount_col = column(mapping["amount"]) if mapping.get("amount") else None
    credit_col = column(mapping["credit"]) if mapping.get("credit") else None
    debit_col = column(mapping["debit"]) if mapping.get("debit") else None
    sign_col = column(mapping["sign"]) if mapping.get("sign") else None
    account_col = column(mapping["account"]) if mapping.get("account") else None
    credit_signs = {normalize_name(s) for s in mapping.get("credit_signs", ["+"])}

    lines: list[ParsedLine] = []
    errors: list[str] = []
    not_movements: list[dict] = []
    account_ids: set[str] = set()
    width = len(header)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"line {reader.line_num}: {exc} (is the file truncated?)")
            break
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            # A short last row is what a file cut in the middle of a line looks like.
            errors.append(f"line {number}: {len(row)} of {width} columns (is the file truncated?)")
            continue
        if any(cell.strip() for cell in row[width:]):
            # `1,500.00` unquoted in a comma-separated file splits an amount in two: never guess.
            errors.append(
                f"line {number}: {len(row)} columns, the header has {width} "
                f"(an amount with an unquoted thousands separator?)"
            )
            continue

        def cell(index: int | None, row=row) -> str:
            return row[index].strip() if index is not None and index < len(row) else ""

        raw = delimiter.join(row)[:2000]
        if not cell(date_col):
            not_movements.append({"line": number, "reason": "no date: not a movement (total or balance?)"})
            continue
        try:
            day = parse_date(cell(date_col))
            if amount_col is not None:
                amount = parse_amount(cell(amount_col), decimal_separator=decimal_separator)
                if amount is not None and sign_col is not None:
                    deposit = normalize_name(cell(sign_col)) in credit_signs
                    amount = abs(amount) if deposit else -abs(amount)
            else:
                credit = parse_amount(cell(credit_col), decimal_separator=decimal_separator)
                debit = parse_amount(cell(debit_col), decimal_separator=decimal_separator)
                if credit and debit:
                    raise ValueError("both a deposit and a withdrawal on one line")
                amount = abs(credit) if credit else (-abs(debit) if debit else None)
        except ValueError as exc:
            errors.append(f"line {number}: {exc}")
            continue
        if account_col is not None and cell(account_col):
            account_ids.add(cell(account_col))
        lines.append(
            ParsedLine(
                line_number=number,
                date=day,
                amount=amount if amount is not None else Decimal("0.00"),
                reference=_clean(" ".join(cell(c) for c in reference_cols), 140),
                description=_clean(" ".join(cell(c) for c in description_cols), 500),
                raw=raw,
            )
        )
    if errors:
        raise _line_errors(errors)
    return ParsedStatement(
        format=StatementFormat.CSV, lines=lines, account_ids=account_ids, not_movements=not_movements
    )


# --- OFX ------------------------------------------------------------------------------------------


def parse_ofx(content: bytes) -> ParsedStatement:
    from ofxtools.Parser import OFXTree

    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(content))
        ofx = tree.convert()
        statements = list(ofx.statements)
    except Exception as exc:  # noqa: BLE001 - ofxtools raises many types; any of them means "unreadable"
        raise StatementUnreadable(
            gettext_lazy("Not a readable OFX file (%(name)s: %(value)s).")
            % {"name": type(exc).__name__, "value": str(exc)[:200]}
        ) from None
    lines: list[ParsedLine] = []
    account_ids: set[str] = set()
    currency = None
    number = 0
    for statement in statements:
        currency = getattr(statement, "curdef", None) or currency
        if currency and currency != "MXN":
            raise StatementCurrencyMismatch(
                gettext_lazy("The statement is in %(currency)s; this account is in MXN.")
                % {"currency": currency}
            )
        account = getattr(statement, "account", None)
        if getattr(account, "acctid", None):
            account_ids.add(str(account.acctid))
        for transaction in statement.banktranlist or []:
            number += 1
            name = getattr(transaction, "name", None) or ""
            memo = getattr(transaction, "memo", None) or ""
            reference = getattr(transaction, "refnum", None) or getattr(transaction, "checknum", None) or ""
            lines.append(
                ParsedLine(
                    line_number=number,
                    # DTPOSTED is a date the bank wrote; ofxtools reads it as UTC, and a bare date stays
                    # on its own day that way.
                    date=transaction.dtposted.date(),
                    amount=to_money(transaction.trnamt),
                    reference=_clean(reference, 140),
                    description=_clean(f"{name} {memo}", 500),
                    raw=(
                        f"{transaction.trntype} {transaction.dtposted:%Y-%m-%d} {transaction.trnamt} "
                        f"{transaction.fitid} {name} {memo} {reference}"
                    ).strip()[:2000],
                    bank_id=str(transaction.fitid or ""),
                )
            )
    return ParsedStatement(
        format=StatementFormat.OFX, lines=lines, account_ids=account_ids, currency=currency
    )


# --- MT940 ----------------------------------------------------------------------------------------

_MT940_OPENING = re.compile(r"^:60[FM]:", re.MULTILINE)
_MT940_CLOSING = re.compile(r"^:62[FM]:", re.MULTILINE)


def parse_mt940(text: str) -> ParsedStatement:
    import mt940

    if ":20:" not in text or ":25:" not in text:
        raise StatementUnreadable(gettext_lazy("Not an MT940 statement (no :20: and :25: fields)."))
    # A file cut short loses its closing balance: every statement block must be closed.
    if len(_MT940_OPENING.findall(text)) != len(_MT940_CLOSING.findall(text)) or not _MT940_CLOSING.search(
        text
    ):
        raise StatementUnreadable(
            gettext_lazy("The MT940 statement has no closing balance (:62F:); is the file truncated?")
        )
    transactions = mt940.models.Transactions()
    try:
        transactions.parse(text)
    except Exception as exc:  # noqa: BLE001 - the mt940 package raises several types
        raise StatementUnreadable(
            gettext_lazy("Not a readable MT940 file (%(name)s: %(value)s).")
            % {"name": type(exc).__name__, "value": str(exc)[:200]}
        ) from None
    account_ids = set()
    if transactions.data.get("account_identification"):
        account_ids.add(str(transactions.data["account_identification"]))
    lines: list[ParsedLine] = []
    total = Decimal("0.00")
    for number, transaction in enumerate(transactions, start=1):
        data = transaction.data
        amount = data.get("amount")
        if amount is None or data.get("date") is None:
            raise StatementLinesInvalid(
                fields={
                    "file": [gettext_lazy("transaction %(number)s: no amount or date") % {"number": number}]
                }
            )
        if amount.currency and amount.currency != "MXN":
            raise StatementCurrencyMismatch(
                gettext_lazy("The statement is in %(currency)s; this account is in MXN.")
                % {"currency": amount.currency}
            )
        value = to_money(amount.amount)
        total += value
        customer_reference = data.get("customer_reference") or ""
        if customer_reference.upper() == "NONREF":
            customer_reference = ""
        details = " ".join(filter(None, [data.get("transaction_details"), data.get("extra_details")]))
        day = data["date"]
        lines.append(
            ParsedLine(
                line_number=number,
                date=date(day.year, day.month, day.day),
                amount=value,
                reference=_clean(customer_reference, 140),
                description=_clean(details, 500),
                raw=(
                    f":61:{day:%y%m%d} {data.get('status', '')} {value} {data.get('id', '')} "
                    f"{data.get('customer_reference') or ''}//{data.get('bank_reference') or ''} "
                    f":86:{details}"
                )[:2000],
                bank_id="",
            )
        )
    opening = transactions.data.get("final_opening_balance")
    closing = transactions.data.get("final_closing_balance")
    single_block = len(_MT940_OPENING.findall(text)) == 1
    if single_block and opening is not None and closing is not None:
        if to_money(opening.amount.amount) + total != to_money(closing.amount.amount):
            raise StatementUnreadable(
                gettext_lazy(
                    "The MT940 balances do not add up (opening %(amount)s + lines %(total)s != "
                    "closing %(amount2)s); is the file complete?"
                )
                % {"amount": opening.amount.amount, "total": total, "amount2": closing.amount.amount}
            )
    return ParsedStatement(format=StatementFormat.MT940, lines=lines, account_ids=account_ids, currency="MXN")


# --- entry point ------------------------------------------------------------------------------------


def detect_format(text: str) -> str:
    head = text.lstrip("\ufeff \r\n\t")[:2000]
    if head.upper().startswith("OFXHEADER") or "<OFX>" in head.upper():
        return StatementFormat.OFX
    if head.startswith((":20:", "{1:")) or (":20:" in head and ":25:" in head):
        return StatementFormat.MT940
    return StatementFormat.CSV


def parse_statement(content: bytes, *, file_format: str | None, csv_mapping: dict) -> ParsedStatement:
    """Read a whole statement file; raise a Statement* error (400) for anything it cannot read."""
    if not content or not content.strip():
        raise StatementEmpty()
    text = decode(content)
    if not text.strip():
        raise StatementEmpty()
    file_format = file_format or detect_format(text)
    if file_format == StatementFormat.OFX:
        parsed = parse_ofx(content)
    elif file_format == StatementFormat.MT940:
        parsed = parse_mt940(text)
    else:
        parsed = parse_csv(text, csv_mapping)
    if not parsed.lines:
        raise StatementEmpty(gettext_lazy("The file holds no statement lines (movements)."))
    return parsed
