"""Confirm and ignore: a line becomes at most one payment, every decision is audited."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from banking.exceptions import (
    BankLineAlreadyIgnored,
    BankLineAlreadyMatched,
    BankLineNoSuggestion,
    BankLineTargetInvalid,
)
from banking.models import BankLine, BankLineStatus
from banking.services import bank_line_confirm, bank_line_ignore, bank_statement_import
from billing import services as billing_services
from billing.exceptions import Overpayment
from billing.models import InvoiceStatus, Payment, PaymentMethod
from core.exceptions import NotFound
from tests.banking.factories import BankAccountFactory, csv_file
from tests.students.factories import StudentFactory
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory


def _world(amount="3500.00", description="SPEI RECIBIDO MARIA GONZALEZ", reference="ABC123"):
    account = BankAccountFactory()
    student = StudentFactory(school=account.school, first_name="María", last_name="González")
    invoice = billing_services.invoice_create(
        student_id=student.pk, amount=Decimal("3500.00"), due_date=date.today() + timedelta(days=5)
    )
    yesterday = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    bank_statement_import(
        account_id=account.pk,
        content=csv_file([f"{yesterday},{description},{reference},{amount}"]),
        file_name="s.csv",
    )
    return account, invoice, BankLine.objects.get()


@pytest.mark.django_db
def test_confirming_a_suggestion_records_a_bank_transfer_with_the_banks_reference():
    _, invoice, line = _world()
    accountant = UserFactory()
    assert line.status == BankLineStatus.SUGGESTED
    line = bank_line_confirm(line_id=line.pk, actor=accountant)
    payment = line.payment
    assert line.status == BankLineStatus.MATCHED
    assert (payment.invoice_id, payment.amount, payment.method) == (
        invoice.pk,
        Decimal("3500.00"),
        PaymentMethod.BANK_TRANSFER,
    )
    assert payment.reference == "ABC123"
    assert payment.payment_date == line.date
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert (line.decided_by, line.decided_at is not None) == (accountant, True)


@pytest.mark.django_db
def test_every_decision_is_in_the_lines_history_with_who_made_it():
    _, _, line = _world()
    accountant = UserFactory()
    bank_line_confirm(line_id=line.pk, actor=accountant)
    latest = line.history.order_by("-history_date").first()
    assert latest.status == BankLineStatus.MATCHED
    assert latest.history_user == accountant


@pytest.mark.django_db
def test_a_confirmed_line_cannot_be_confirmed_again_or_ignored():
    _, _, line = _world()
    bank_line_confirm(line_id=line.pk)
    with pytest.raises(BankLineAlreadyMatched):
        bank_line_confirm(line_id=line.pk)
    with pytest.raises(BankLineAlreadyMatched):
        bank_line_ignore(line_id=line.pk, reason="oops")
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_a_line_can_be_assigned_to_another_invoice_of_its_school():
    account, _, line = _world(description="DEPOSITO SIN NOMBRE")
    other_student = StudentFactory(school=account.school)
    other = billing_services.invoice_create(
        student_id=other_student.pk, amount=Decimal("5000.00"), due_date=date.today()
    )
    line = bank_line_confirm(line_id=line.pk, invoice_id=other.pk)
    assert line.payment.invoice_id == other.pk
    other.refresh_from_db()
    assert other.paid_amount == Decimal("3500.00")


@pytest.mark.django_db
def test_an_invoice_of_another_school_is_not_found_and_nothing_changes():
    _, _, line = _world()
    foreign = billing_services.invoice_create(
        student_id=StudentFactory().pk, amount=Decimal("9000.00"), due_date=date.today()
    )
    with pytest.raises(NotFound):
        bank_line_confirm(line_id=line.pk, invoice_id=foreign.pk)
    with pytest.raises(NotFound):
        bank_line_confirm(line_id=line.pk, invoice_id="not-a-uuid")
    line.refresh_from_db()
    assert (line.status, Payment.objects.count()) == (BankLineStatus.SUGGESTED, 0)


@pytest.mark.django_db
def test_a_deposit_above_the_invoices_balance_is_an_overpayment_and_stays_in_the_queue():
    _, invoice, line = _world(amount="4000.00", description="DEPOSITO")
    with pytest.raises(Overpayment):
        bank_line_confirm(line_id=line.pk, invoice_id=invoice.pk)
    line.refresh_from_db()
    assert line.status == BankLineStatus.UNMATCHED and line.payment_id is None


@pytest.mark.django_db
def test_confirm_needs_one_target_or_a_suggestion():
    _, invoice, line = _world(description="DEPOSITO")
    assert line.status == BankLineStatus.UNMATCHED
    with pytest.raises(BankLineNoSuggestion):
        bank_line_confirm(line_id=line.pk)
    with pytest.raises(BankLineTargetInvalid):
        bank_line_confirm(line_id=line.pk, invoice_id=invoice.pk, family_id=invoice.pk)


@pytest.mark.django_db
def test_ignoring_needs_a_reason_and_keeps_it():
    _, _, line = _world()
    with pytest.raises(ValidationError):
        bank_line_ignore(line_id=line.pk, reason="   ")
    line = bank_line_ignore(line_id=line.pk, reason="Traspaso entre cuentas propias")
    assert (line.status, line.ignore_reason) == (BankLineStatus.IGNORED, "Traspaso entre cuentas propias")
    with pytest.raises(BankLineAlreadyIgnored):
        bank_line_ignore(line_id=line.pk, reason="again")


@pytest.mark.django_db
def test_an_ignored_line_can_still_be_confirmed():
    _, invoice, line = _world()
    bank_line_ignore(line_id=line.pk, reason="not sure")
    line = bank_line_confirm(line_id=line.pk, invoice_id=invoice.pk)
    assert line.status == BankLineStatus.MATCHED


@pytest.mark.django_db
def test_the_database_refuses_a_matched_line_without_payment_and_a_payment_on_two_lines():
    _, _, line = _world()
    with pytest.raises(IntegrityError), transaction.atomic():
        BankLine.objects.filter(pk=line.pk).update(status=BankLineStatus.MATCHED)
    confirmed = bank_line_confirm(line_id=line.pk)
    twin = BankLine.objects.get(pk=line.pk)
    twin.pk, twin.hash, twin.line_number = None, "other", 99
    twin.payment_id = confirmed.payment_id
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(force_insert=True)


@pytest.mark.django_db(transaction=True)
def test_a_double_click_makes_one_payment():
    """Two confirmations of one line at the same moment: one payment, the other gets a 409."""
    _, _, line = _world()

    outcomes = run_together(
        2, lambda _: bank_line_confirm(line_id=line.pk), refusals=(BankLineAlreadyMatched,)
    )

    assert {type(outcome) for outcome in outcomes} == {BankLine, BankLineAlreadyMatched}
    assert Payment.objects.count() == 1
