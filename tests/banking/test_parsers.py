"""Reading statement files: what banks send, and what makes a file a 400 (nothing imported)."""

from datetime import date
from decimal import Decimal

import pytest

from banking.exceptions import (
    StatementColumnsUnknown,
    StatementCurrencyMismatch,
    StatementEmpty,
    StatementLinesInvalid,
    StatementUnreadable,
)
from banking.models import CsvProfile, StatementFormat
from banking.parsers import CSV_PROFILES, parse_amount, parse_date, parse_statement
from tests.banking.files import mt940_file, ofx_file

pytestmark = pytest.mark.usefixtures("english")

GENERIC = CSV_PROFILES[CsvProfile.GENERIC]


def parse_csv(text: str, mapping=GENERIC, encoding="utf-8"):
    return parse_statement(text.encode(encoding), file_format=None, csv_mapping=mapping)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1500", Decimal("1500.00")),
        ("$1,234.50", Decimal("1234.50")),
        ("12,345,678.9", Decimal("12345678.90")),
        ("-200.00", Decimal("-200.00")),
        ("200.00-", Decimal("-200.00")),
        ("(75.10)", Decimal("-75.10")),
        (" $ 3,500.00 MXN", Decimal("3500.00")),
        ("", None),
        ("-", None),
    ],
)
def test_amounts_are_read_with_signs_currency_and_thousands_separators(text, expected):
    assert parse_amount(text) == expected


def test_amounts_with_a_decimal_comma_follow_the_mapping():
    assert parse_amount("1.234,50", decimal_separator=",") == Decimal("1234.50")


@pytest.mark.parametrize("text", ["1,2,3", "12.345", "1.5.0", "abc", "1,50"])
def test_ambiguous_or_non_numeric_amounts_are_refused(text):
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/01/2026", date(2026, 1, 5)),
        ("5-1-26", date(2026, 1, 5)),
        ("2026-01-05", date(2026, 1, 5)),
        ("05/ENE/2026", date(2026, 1, 5)),
        ("31.12.2025", date(2025, 12, 31)),
        ("05/01/2026 10:31:00", date(2026, 1, 5)),
    ],
)
def test_dates_are_day_first(text, expected):
    assert parse_date(text) == expected


def test_a_month_first_date_is_refused_not_swapped():
    with pytest.raises(ValueError, match="DD/MM/YYYY"):
        parse_date("01/13/2026")


def test_generic_csv_lines_come_out_signed_with_reference_and_description():
    parsed = parse_csv(
        "Fecha,Descripción,Referencia,Importe\n"
        '05/11/2026,SPEI RECIBIDO MARIA GONZALEZ,1000000157,"$3,500.00"\n'
        "06/11/2026,COMISION SPEI,,-15.00\n"
    )
    assert parsed.format == StatementFormat.CSV
    first, second = parsed.lines
    assert (first.date, first.amount, first.reference) == (
        date(2026, 11, 5),
        Decimal("3500.00"),
        "1000000157",
    )
    assert first.description == "SPEI RECIBIDO MARIA GONZALEZ"
    assert first.line_number == 2
    assert second.amount == Decimal("-15.00")


def test_latin1_banorte_export_with_preamble_reads_accents_deposits_and_withdrawals():
    text = (
        "Banorte - Consulta de movimientos\n"
        "Cuenta:,0123456789\n"
        "\n"
        "Cuenta,Fecha De Operación,Fecha,Referencia,Descripción,Cod. Transac,Sucursal,Depósitos,"
        "Retiros,Saldo,"
        "Movimiento,Descripción Detallada\n"
        '0123456789,03/11/2026,03/11/2026,1000000157,DEPÓSITO SPEI,9511,0001,"4,200.00",,"10,000.00",1,'
        "JOSÉ NÚÑEZ PEÑA\n"
        '0123456789,04/11/2026,04/11/2026,,COMISIÓN,9999,0001,,"17.40","9,982.60",2,\n'
    )
    parsed = parse_csv(text, mapping=CSV_PROFILES[CsvProfile.BANORTE], encoding="latin-1")
    deposit, fee = parsed.lines
    assert deposit.amount == Decimal("4200.00")
    assert deposit.description == "DEPÓSITO SPEI JOSÉ NÚÑEZ PEÑA"
    assert deposit.reference == "1000000157"
    assert fee.amount == Decimal("-17.40")
    assert parsed.account_ids == {"0123456789"}


@pytest.mark.parametrize(
    ("profile", "text", "amounts", "description"),
    [
        pytest.param(
            CsvProfile.BBVA_MX,
            "Día\tConcepto / Referencia\tCargo\tAbono\tSaldo\n"
            "07/11/2026\tSPEI RECIBIDO/1000000157\t\t2,500.00\t12,500.00\n"
            "08/11/2026\tPAGO TARJETA\t300.00\t\t12,200.00\n",
            ["2500.00", "-300.00"],
            "SPEI RECIBIDO/1000000157",
            id="bbva-cargo-and-abono-columns-tab-separated",
        ),
        pytest.param(
            CsvProfile.SANTANDER_MX,
            "Cuenta;Fecha;Hora;Sucursal;Descripción;Cargo/Abono;Importe;Saldo;Referencia;Concepto\n"
            "65500000000;09/11/2026;10:01;0001;ABONO SPEI;+;1,800.00;5,000.00;1000000157;COLEGIATURA\n"
            "65500000000;09/11/2026;10:05;0001;CARGO;-;100.00;4,900.00;;\n",
            ["1800.00", "-100.00"],
            "ABONO SPEI COLEGIATURA",
            id="santander-sign-column",
        ),
    ],
)
def test_a_banks_export_is_read_through_its_profile(profile, text, amounts, description):
    parsed = parse_csv(text, mapping=CSV_PROFILES[profile])
    assert [line.amount for line in parsed.lines] == [Decimal(amount) for amount in amounts]
    assert parsed.lines[0].description == description


def test_rows_without_a_date_are_reported_as_not_movements():
    parsed = parse_csv("Fecha,Descripción,Referencia,Importe\n05/11/2026,DEP,,10.00\n,TOTAL,,10.00\n")
    assert len(parsed.lines) == 1
    assert parsed.not_movements == [{"line": 3, "reason": "no date: not a movement (total or balance?)"}]


def test_unknown_columns_name_what_was_expected_and_what_was_found():
    with pytest.raises(StatementColumnsUnknown) as refusal:
        parse_csv("Date,Memo,Amount\n2026-11-05,X,10.00\n")
    assert "Fecha" in refusal.value.fields["file"][0]
    assert "Date, Memo, Amount" in refusal.value.fields["file"][0]


def test_every_bad_line_is_reported_and_nothing_is_returned():
    with pytest.raises(StatementLinesInvalid) as refusal:
        parse_csv(
            "Fecha,Descripción,Referencia,Importe\n"
            "05/11/2026,OK,,10.00\n"
            "13/13/2026,BAD DATE,,10.00\n"
            "06/11/2026,BAD AMOUNT,,1,2,3\n"
        )
    messages = refusal.value.fields["file"]
    assert messages[0].startswith("line 3: '13/13/2026' is not a date")
    assert messages[1].startswith("line 4:")
    assert refusal.value.code == "statement_lines_invalid"


def test_a_truncated_csv_is_refused_naming_the_cut_line():
    with pytest.raises(StatementLinesInvalid) as refusal:
        parse_csv("Fecha,Descripción,Referencia,Importe\n05/11/2026,OK,,10.00\n06/11/2026,CUT")
    assert refusal.value.fields["file"] == ["line 3: 2 of 4 columns (is the file truncated?)"]


@pytest.mark.parametrize("content", [b"", b"   \n\n", "Fecha,Descripción,Referencia,Importe\n".encode()])
def test_empty_files_are_refused(content):
    with pytest.raises(StatementEmpty):
        parse_statement(content, file_format=None, csv_mapping=GENERIC)


def test_a_spreadsheet_uploaded_as_is_is_unreadable():
    with pytest.raises(StatementUnreadable):
        parse_statement(b"PK\x03\x04\x00\x00binary", file_format=None, csv_mapping=GENERIC)


def test_ofx_is_detected_and_read_with_the_banks_transaction_ids():
    parsed = parse_statement(ofx_file(account="012180001234567899"), file_format=None, csv_mapping=GENERIC)
    assert parsed.format == StatementFormat.OFX
    assert parsed.account_ids == {"012180001234567899"}
    deposit, fee = parsed.lines
    assert (deposit.amount, deposit.date, deposit.bank_id) == (Decimal("1500.00"), date(2026, 11, 5), "T1")
    assert "JUAN PEREZ" in deposit.description
    assert fee.amount == Decimal("-200.00")


def test_ofx_in_another_currency_is_refused():
    with pytest.raises(StatementCurrencyMismatch):
        parse_statement(ofx_file(currency="USD"), file_format=None, csv_mapping=GENERIC)


def test_a_truncated_ofx_is_unreadable():
    content = ofx_file()
    with pytest.raises(StatementUnreadable):
        parse_statement(content[: len(content) // 2], file_format=StatementFormat.OFX, csv_mapping=GENERIC)


def test_mt940_is_detected_and_read():
    parsed = parse_statement(mt940_file(), file_format=None, csv_mapping=GENERIC)
    assert parsed.format == StatementFormat.MT940
    assert parsed.account_ids == {"012180001234567899"}
    assert [line.amount for line in parsed.lines] == [Decimal("1500.00"), Decimal("-200.00")]
    assert parsed.lines[0].description == "SPEI RECIBIDO REF 1000000157 JUAN PEREZ"


def test_a_truncated_mt940_without_closing_balance_is_unreadable():
    text = mt940_file().decode()
    cut = text[: text.index(":62F:")]
    with pytest.raises(StatementUnreadable, match="truncated"):
        parse_statement(cut.encode(), file_format=None, csv_mapping=GENERIC)


def test_mt940_whose_balances_do_not_add_up_is_unreadable():
    text = mt940_file().decode().replace(":62F:C261106MXN2300,00", ":62F:C261106MXN9300,00")
    with pytest.raises(StatementUnreadable, match="do not add up"):
        parse_statement(text.encode(), file_format=None, csv_mapping=GENERIC)
