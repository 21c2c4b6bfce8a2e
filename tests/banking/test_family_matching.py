"""Matching by family payment reference (step 1) and by a family's open total or payer name (step 2)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from banking.exceptions import BankLineAlreadyMatched
from banking.matching import references_in
from banking.models import BankLine, BankLineStatus
from banking.services import bank_line_confirm, bank_statement_import
from billing import services as billing_services
from billing.credit import family_credit_balance
from billing.models import Payment
from core.exceptions import NotFound
from families.validators import reference_from_number
from tests.banking.factories import BankAccountFactory, csv_file
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db


def _import(account, *rows):
    yesterday = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    bank_statement_import(
        account_id=account.pk,
        content=csv_file(
            [f"{yesterday},{description},{reference},{amount}" for description, reference, amount in rows]
        ),
        file_name="s.csv",
    )
    return list(BankLine.objects.order_by("line_number"))


def _child(family, first, amount="3500.00", days=5):
    student = StudentFactory(school=family.school, family=family, first_name=first, last_name="Núñez Peña")
    return billing_services.invoice_create(
        student_id=student.pk, amount=Decimal(amount), due_date=date.today() + timedelta(days=days)
    )


@pytest.fixture
def family():
    account = BankAccountFactory()
    family = FamilyFactory(
        school=account.school, name="Roberto Núñez Salas", reference=reference_from_number(157)
    )
    family.account = account
    return family


def test_references_are_found_with_separators_and_never_inside_longer_numbers():
    assert references_in("PAGO REF 1000000157 COLEGIATURA") == ["1000000157"]
    assert references_in("REF 1000-0001-57") == ["1000000157"]
    assert references_in("CLABE 012180001000000157") == []


def test_a_reference_with_a_typo_one_digit_away_from_a_family_is_suggested_to_it(family):
    ref = family.reference
    swapped = ref[:5] + ref[6] + ref[5] + ref[7:]  # two neighbouring digits swapped
    assert swapped != ref
    (line,) = _import(family.account, ("SPEI COLEGIATURA", swapped, "3500.00"))
    assert line.status == BankLineStatus.SUGGESTED
    assert line.suggested_family_id == family.pk
    assert "typo" in line.match_note


def test_a_reference_far_from_every_family_stays_unmatched(family):
    (line,) = _import(family.account, ("SPEI", "1999999999", "3500.00"))
    assert line.status == BankLineStatus.UNMATCHED
    assert "check digits" in line.match_note


def test_a_valid_reference_of_another_schools_family_is_not_used(family):
    other = FamilyFactory(reference=reference_from_number(200))
    (line,) = _import(family.account, ("SPEI", other.reference, "3500.00"))
    assert line.status == BankLineStatus.UNMATCHED
    assert line.suggested_family_id is None
    assert "no family of this school" in line.match_note


def test_a_familys_open_total_with_the_payers_name_is_suggested_to_the_family(family):
    _child(family, "Lucía", "3500.00")
    _child(family, "Tomás", "2000.00")
    (line,) = _import(family.account, ("SPEI ROBERTO NUNEZ SALAS", "", "5500.00"))
    assert line.status == BankLineStatus.SUGGESTED
    assert line.suggested_family_id == family.pk


def test_an_invoice_balance_paid_by_the_parent_is_suggested_by_the_payers_name(family):
    invoice = _child(family, "Lucía", "3500.00")
    _child(family, "Tomás", "2000.00")
    (line,) = _import(family.account, ("TRANSFERENCIA ROBERTO NUNEZ", "", "3500.00"))
    assert line.status == BankLineStatus.SUGGESTED
    assert line.suggested_invoice_id == invoice.pk


def test_two_equal_invoices_of_one_family_suggest_the_family(family):
    _child(family, "Lucía", "3500.00")
    _child(family, "Tomás", "3500.00")
    (line,) = _import(family.account, ("SPEI ROBERTO NUNEZ", "", "3500.00"))
    assert line.status == BankLineStatus.SUGGESTED
    assert (line.suggested_family_id, line.suggested_invoice_id) == (family.pk, None)


def test_a_valid_reference_becomes_the_familys_payment_at_once_oldest_invoice_first(family):
    later = _child(family, "Lucía", "3500.00", days=20)
    older = _child(family, "Tomás", "2000.00", days=3)
    (line,) = _import(family.account, ("SPEI RECIBIDO BANORTE", family.reference, "3000.00"))
    assert line.status == BankLineStatus.MATCHED
    payment = line.payment
    assert (payment.family_id, payment.amount, payment.method) == (
        family.pk,
        Decimal("3000.00"),
        "BANK_TRANSFER",
    )
    assert (payment.reference, payment.payment_date) == (family.reference, line.date)
    assert {a.invoice_id: a.amount for a in payment.allocations.all()} == {
        older.pk: Decimal("2000.00"),
        later.pk: Decimal("1000.00"),
    }
    assert line.match_note == f"Family reference {family.reference}."


def test_a_reference_in_the_description_and_a_deposit_above_what_is_owed_leaves_credit(family):
    _child(family, "Lucía", "3500.00")
    (line,) = _import(family.account, (f"SPEI RECIBIDO REF {family.reference} R NUNEZ", "", "5000.00"))
    assert line.status == BankLineStatus.MATCHED
    assert family_credit_balance(family_id=family.pk) == Decimal("1500.00")


def test_confirming_a_typo_suggestion_pays_the_family(family):
    _child(family, "Lucía", "3500.00")
    ref = family.reference
    (line,) = _import(family.account, ("SPEI", ref[:5] + ref[6] + ref[5] + ref[7:], "3500.00"))
    line = bank_line_confirm(line_id=line.pk)
    assert (line.status, line.payment.family_id) == (BankLineStatus.MATCHED, family.pk)
    with pytest.raises(BankLineAlreadyMatched):
        bank_line_confirm(line_id=line.pk, family_id=family.pk)


def test_assigning_to_an_invoice_of_a_familys_student_keeps_the_excess_as_credit(family):
    invoice = _child(family, "Lucía", "3500.00")
    (line,) = _import(family.account, ("DEPOSITO", "", "4000.00"))
    line = bank_line_confirm(line_id=line.pk, invoice_id=invoice.pk)
    assert [(a.invoice_id, a.amount) for a in line.payment.allocations.all()] == [
        (invoice.pk, Decimal("3500.00"))
    ]
    assert family_credit_balance(family_id=family.pk) == Decimal("500.00")


def test_a_family_of_another_school_is_not_found(family):
    (line,) = _import(family.account, ("DEPOSITO", "", "4000.00"))
    with pytest.raises(NotFound):
        bank_line_confirm(line_id=line.pk, family_id=FamilyFactory().pk)
    with pytest.raises(NotFound):
        bank_line_confirm(line_id=line.pk, family_id="not-a-uuid")


def test_a_familys_deposits_in_one_statement_are_paid_in_order_each_seeing_what_the_last_left(family):
    """The import records its referenced deposits all at once (billing.payments_many): the same
    allocations as one payment per line in the file's order; a re-import records nothing again."""
    older = _child(family, "Lucía", "3500.00", days=3)
    later = _child(family, "Tomás", "2000.00", days=20)
    other = FamilyFactory(school=family.school, name="Ana Ruiz", reference=reference_from_number(158))
    theirs = _child(other, "Eva", "1000.00")
    rows = [
        ("SPEI RECIBIDO", family.reference, "3000.00"),
        ("SPEI RECIBIDO", other.reference, "400.00"),
        ("SPEI RECIBIDO", family.reference, "3000.00"),
    ]
    first, second, third = _import(family.account, *rows)
    assert {line.status for line in (first, second, third)} == {BankLineStatus.MATCHED}
    assert [(a.invoice_id, a.amount) for a in first.payment.allocations.all()] == [
        (older.pk, Decimal("3000.00"))
    ]
    assert sorted((a.invoice_id, a.amount) for a in third.payment.allocations.all()) == sorted(
        [(older.pk, Decimal("500.00")), (later.pk, Decimal("2000.00"))]
    )
    assert [(a.invoice_id, a.amount) for a in second.payment.allocations.all()] == [
        (theirs.pk, Decimal("400.00"))
    ]
    assert int(third.payment.number[-6:]) == int(first.payment.number[-6:]) + 2  # numbered in file order
    assert family_credit_balance(family_id=family.pk) == Decimal("500.00")
    _import(family.account, *rows)
    assert Payment.objects.count() == 3 and BankLine.objects.count() == 3


def test_a_referenced_deposit_the_payment_service_refuses_waits_for_a_person_and_the_rest_is_paid(family):
    _child(family, "Lucía", "3500.00")
    tomorrow = (date.today() + timedelta(days=1)).strftime("%d/%m/%Y")
    yesterday = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    bank_statement_import(
        account_id=family.account.pk,
        content=csv_file(
            [
                f"{tomorrow},SPEI RECIBIDO,{family.reference},100.00",
                f"{yesterday},SPEI,{family.reference},200.00",
            ]
        ),
        file_name="s.csv",
    )
    future, past = BankLine.objects.order_by("-date")
    assert (future.status, future.suggested_family_id, future.payment) == (
        BankLineStatus.SUGGESTED,
        family.pk,
        None,
    )
    assert future.match_note.startswith("Reference found, but the payment was refused")
    assert past.status == BankLineStatus.MATCHED and past.payment.amount == Decimal("200.00")


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_statement_at_once_record_each_deposit_once():
    """The same file imported twice at the same moment (two tabs, a retried upload): the account
    lock queues the second import, which then finds every line known; a line becomes one payment."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    account = BankAccountFactory()
    families = [
        FamilyFactory(school=account.school, name=f"Familia {n}", reference=reference_from_number(200 + n))
        for n in range(5)
    ]
    for family in families:
        _child(family, "Lucía", "1500.00")
    yesterday = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    content = csv_file([f"{yesterday},SPEI,{f.reference},{700 + n}.00" for n, f in enumerate(families * 2)])

    def run(_):
        statement = bank_statement_import(account_id=account.pk, content=content, file_name="s.csv").statement
        return statement.imported, statement.duplicates

    assert sorted(run_together(2, run)) == [(0, 10), (10, 0)]
    assert Payment.objects.count() == 10 == BankLine.objects.filter(status=BankLineStatus.MATCHED).count()


def test_a_typo_one_digit_from_two_references_is_suggested_to_the_family_the_description_names(family):
    """1000015771 is one digit from 1000015778 (family 157) and from 1000012771 (family 127):
    the payer's name in the description picks one; without a name nobody is suggested."""
    assert family.reference == "1000015778"
    FamilyFactory(school=family.school, name="Ana Ruiz Gómez", reference=reference_from_number(127))
    named, anonymous = _import(
        family.account,
        ("SPEI RECIBIDO ROBERTO NUNEZ", "1000015771", "3500.00"),
        ("SPEI RECIBIDO", "1000015771", "3400.00"),
    )
    assert (named.status, named.suggested_family_id) == (BankLineStatus.SUGGESTED, family.pk)
    assert named.match_note.endswith("and the payer's name matches.")
    assert (anonymous.status, anonymous.suggested_family_id) == (BankLineStatus.UNMATCHED, None)
    assert anonymous.match_note == "Reference 1000015771 fails its check digits."
