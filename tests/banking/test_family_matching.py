"""Matching by family payment reference (step 1) and by a family's open total or payer name (step 2)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from banking.exceptions import BankLineAlreadyMatched
from banking.matching import _family_payment_service, references_in
from banking.models import BankLine, BankLineStatus
from banking.services import bank_line_confirm, bank_statement_import
from billing import services as billing_services
from core.exceptions import NotFound
from families.validators import reference_from_number
from tests.banking.factories import BankAccountFactory, csv_file
from tests.factories import FamilyFactory, StudentFactory

pytestmark = pytest.mark.django_db

# The family payment service (billing.credit, issue 14) may land after this app: the tests of what
# a line does with it run once it is there, the test of the seam's refusal until then.
available = pytest.mark.skipif(_family_payment_service() is None, reason="no family payment service yet")
unavailable = pytest.mark.skipif(_family_payment_service() is not None, reason="family payments exist")


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


@unavailable
def test_until_the_family_payment_service_lands_a_valid_reference_waits_for_a_person(family):
    _child(family, "Lucía", "3500.00")
    (line,) = _import(family.account, ("SPEI RECIBIDO", family.reference, "3500.00"))
    assert line.suggested_family_id == family.pk
    assert line.status == BankLineStatus.SUGGESTED
    assert "not available" in line.match_note


@available
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


@available
def test_a_reference_in_the_description_and_a_deposit_above_what_is_owed_leaves_credit(family):
    from billing.credit import family_credit_balance

    _child(family, "Lucía", "3500.00")
    (line,) = _import(family.account, (f"SPEI RECIBIDO REF {family.reference} R NUNEZ", "", "5000.00"))
    assert line.status == BankLineStatus.MATCHED
    assert family_credit_balance(family_id=family.pk) == Decimal("1500.00")


@available
def test_confirming_a_typo_suggestion_pays_the_family(family):
    _child(family, "Lucía", "3500.00")
    ref = family.reference
    (line,) = _import(family.account, ("SPEI", ref[:5] + ref[6] + ref[5] + ref[7:], "3500.00"))
    line = bank_line_confirm(line_id=line.pk)
    assert (line.status, line.payment.family_id) == (BankLineStatus.MATCHED, family.pk)
    with pytest.raises(BankLineAlreadyMatched):
        bank_line_confirm(line_id=line.pk, family_id=family.pk)


@available
def test_assigning_to_an_invoice_of_a_familys_student_keeps_the_excess_as_credit(family):
    from billing.credit import family_credit_balance

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
