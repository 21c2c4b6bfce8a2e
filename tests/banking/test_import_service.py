"""bank_statement_import: whole or nothing, duplicates add nothing, only deposits, then matching."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from banking.exceptions import (
    BankAccountInactive,
    StatementAccountMismatch,
    StatementLinesInvalid,
    StatementTooLarge,
)
from banking.models import BankLine, BankLineStatus, BankStatement
from banking.services import MAX_STATEMENT_BYTES, bank_statement_import
from billing import services as billing_services
from tests.banking.factories import CLABE_BBVA, BankAccountFactory, csv_file
from tests.banking.files import mt940_file, ofx_file
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

ROWS = [
    "05/11/2026,SPEI RECIBIDO DEPOSITO A,,1000.00",
    "05/11/2026,SPEI RECIBIDO DEPOSITO B,,2000.00",
    "06/11/2026,COMISION,,-15.00",
]


def run(account, content: bytes, name="nov.csv"):
    return bank_statement_import(account_id=account.pk, content=content, file_name=name).statement


def test_a_statement_imports_its_deposits_and_counts_what_it_skipped():
    account = BankAccountFactory()
    statement = run(account, csv_file(ROWS + ["06/11/2026,CERO,,0.00"]))
    assert (statement.lines_read, statement.imported, statement.duplicates, statement.skipped) == (4, 2, 0, 2)
    assert statement.total_deposits == Decimal("3000.00")
    assert statement.period_start == date(2026, 11, 5) and statement.period_end == date(2026, 11, 6)
    assert statement.skipped_lines == [
        {"line": 4, "reason": "withdrawal: only deposits are imported"},
        {"line": 5, "reason": "zero amount"},
    ]
    assert sorted(BankLine.objects.values_list("amount", flat=True)) == [
        Decimal("1000.00"),
        Decimal("2000.00"),
    ]
    assert set(BankLine.objects.values_list("status", flat=True)) == {BankLineStatus.UNMATCHED}


def test_importing_the_same_file_again_adds_nothing():
    account = BankAccountFactory()
    run(account, csv_file(ROWS))
    second = run(account, csv_file(ROWS))
    assert (second.imported, second.duplicates) == (0, 2)
    assert BankLine.objects.count() == 2


def test_an_overlapping_statement_adds_only_the_new_days():
    account = BankAccountFactory()
    run(account, csv_file(ROWS))
    overlapping = run(account, csv_file([ROWS[1], "07/11/2026,SPEI RECIBIDO DEPOSITO C,,3000.00"]))
    assert (overlapping.imported, overlapping.duplicates) == (1, 1)
    assert BankLine.objects.count() == 3


def test_two_identical_deposits_in_one_file_stay_two_lines_and_reimport_as_duplicates():
    account = BankAccountFactory()
    rows = ["05/11/2026,DEPOSITO EFECTIVO,,500.00", "05/11/2026,DEPOSITO EFECTIVO,,500.00"]
    assert run(account, csv_file(rows)).imported == 2
    assert run(account, csv_file(rows)).duplicates == 2


def test_the_same_line_in_another_account_is_not_a_duplicate():
    first = BankAccountFactory()
    second = BankAccountFactory(school=first.school, clabe="072180001234567897")
    run(first, csv_file(ROWS))
    assert run(second, csv_file(ROWS)).imported == 2


def test_a_file_with_one_bad_line_imports_nothing():
    account = BankAccountFactory()
    with pytest.raises(StatementLinesInvalid):
        run(account, csv_file([ROWS[0], "31/02/2026,BAD,,10.00"]))
    assert BankLine.objects.count() == 0
    assert BankStatement.objects.count() == 0


def test_a_file_of_another_account_is_refused():
    account = BankAccountFactory(clabe=CLABE_BBVA)
    with pytest.raises(StatementAccountMismatch):
        run(account, ofx_file(account="072180009999999999"), name="x.ofx")
    with pytest.raises(StatementAccountMismatch):
        run(account, mt940_file(account="072180/00099999999"), name="x.sta")
    assert BankLine.objects.count() == 0


def test_a_file_naming_the_account_number_inside_the_clabe_is_accepted():
    account = BankAccountFactory(clabe=CLABE_BBVA)  # account number 00123456789
    assert run(account, mt940_file(account="012/123456789"), name="x.sta").imported == 1


def test_ofx_lines_are_identified_by_the_banks_transaction_id():
    account = BankAccountFactory()
    run(account, ofx_file(), name="a.ofx")
    renamed = ofx_file(transactions=[("CREDIT", "20261105", "1500.00", "T1", "JUAN PEREZ G", "")])
    assert run(account, renamed, name="b.ofx").duplicates == 1


def test_an_inactive_account_takes_no_statement():
    account = BankAccountFactory(is_active=False)
    with pytest.raises(BankAccountInactive):
        run(account, csv_file(ROWS))


def test_a_file_over_the_size_limit_is_refused_before_reading():
    account = BankAccountFactory()
    with pytest.raises(StatementTooLarge):
        run(account, b"x" * (MAX_STATEMENT_BYTES + 1))


# --- suggestions (step 2) ------------------------------------------------------------------------


def _invoice(school, first, last, amount="3500.00"):
    student = StudentFactory(school=school, first_name=first, last_name=last)
    return billing_services.invoice_create(
        student_id=student.pk, amount=Decimal(amount), due_date=date.today() + timedelta(days=5)
    )


def test_amount_equal_to_an_open_balance_with_the_students_name_is_suggested():
    account = BankAccountFactory()
    invoice = _invoice(account.school, "María José", "González López")
    _invoice(account.school, "Pedro", "Ramírez Soto")  # same amount, another name
    run(account, csv_file(["05/11/2026,SPEI RECIBIDO MARIA GONZALES,,3500.00"]))  # typo in the surname
    line = BankLine.objects.get()
    assert line.status == BankLineStatus.SUGGESTED
    assert line.suggested_invoice_id == invoice.pk
    assert invoice.number in line.match_note


def test_amount_without_a_matching_name_stays_unmatched():
    account = BankAccountFactory()
    _invoice(account.school, "María", "González")
    run(account, csv_file(["05/11/2026,DEPOSITO EN EFECTIVO SUCURSAL 12,,3500.00"]))
    line = BankLine.objects.get()
    assert line.status == BankLineStatus.UNMATCHED
    assert "no name matches" in line.match_note


def test_a_name_with_another_amount_stays_unmatched():
    account = BankAccountFactory()
    _invoice(account.school, "María", "González")
    run(account, csv_file(["05/11/2026,SPEI MARIA GONZALEZ,,3400.00"]))
    assert BankLine.objects.get().status == BankLineStatus.UNMATCHED


def test_two_open_balances_matching_the_same_name_are_ambiguous():
    account = BankAccountFactory()
    _invoice(account.school, "Ana", "Torres")
    _invoice(account.school, "Ana", "Torres")
    run(account, csv_file(["05/11/2026,SPEI ANA TORRES,,3500.00"]))
    line = BankLine.objects.get()
    assert line.status == BankLineStatus.UNMATCHED
    assert line.match_note.startswith("Ambiguous")


def test_two_deposits_for_one_balance_suggest_it_once():
    account = BankAccountFactory()
    _invoice(account.school, "Ana", "Torres")
    run(account, csv_file(["05/11/2026,SPEI ANA TORRES,,3500.00", "06/11/2026,SPEI ANA TORRES,,3500.00"]))
    statuses = sorted(BankLine.objects.values_list("status", flat=True))
    assert statuses == [BankLineStatus.SUGGESTED, BankLineStatus.UNMATCHED]


def test_another_schools_invoices_are_never_suggested():
    account = BankAccountFactory()
    other = BankAccountFactory()
    _invoice(other.school, "Ana", "Torres")
    run(account, csv_file(["05/11/2026,SPEI ANA TORRES,,3500.00"]))
    assert BankLine.objects.get().status == BankLineStatus.UNMATCHED
