"""Corrections: money is never edited once recorded; a new immutable record with a reason, a number
from its own series per school and the user who made it corrects it.

- a credit note lowers what is owed on one invoice (`credited_amount`);
- a reversal takes back a payment that did not really come in: its allocations stop counting, and
  its unallocated part leaves the family's credit.

Refunds (money paid back out of a family's credit) are in billing.credit. Lock order: see
billing.services.
"""

from datetime import date
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext_lazy

from billing.exceptions import (
    CreditNoteAboveBalance,
    InvalidReason,
    InvalidReversalDate,
    InvoiceCancelled,
    PaymentAlreadyReversed,
    PaymentCreditRefunded,
)
from billing.models import (
    CreditNote,
    DocumentSequence,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentReversal,
    ReversalReason,
)
from billing.services import (
    _checked_amount,
    document_number_next,
    family_lock,
    invoice_balance,
    invoices_save_money,
)
from core.dates import local_today
from core.money import ZERO
from core.rows import row_get
from schools.services import school_cache_version_bump
from users.models import User


def _checked_reason(reason: str, *, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidReason(fields={field: [gettext_lazy("Say why.")]})
    return reason


@transaction.atomic
def credit_note_issue(
    *, invoice_id: UUID, amount: Decimal, reason: str, actor: User | None = None
) -> CreditNote:
    """Lower what is owed on an invoice by `amount` (a beca granted after the invoice was issued, a
    discount, a wrong amount). An invoice whose balance it brings to zero reads PAID.

    Locks the invoice row, then the credit-note sequence, then the school. Raises InvalidAmount,
    InvalidReason, CreditNoteAboveBalance (400); InvoiceCancelled (409). Not idempotent.
    """
    amount = _checked_amount(amount)
    reason = _checked_reason(reason)
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if invoice.status == InvoiceStatus.CANCELLED:
        raise InvoiceCancelled()
    balance = invoice_balance(invoice)
    if amount > balance:
        raise CreditNoteAboveBalance(
            gettext_lazy("At most %(balance)s is owed on invoice %(number)s.")
            % {"balance": balance, "number": invoice.number},
            fields={
                "amount": [
                    gettext_lazy("At most %(balance)s (the invoice's balance).") % {"balance": balance}
                ]
            },
        )
    today = local_today()
    note = CreditNote(
        school_id=invoice.school_id,
        invoice=invoice,
        amount=amount,
        issue_date=today,
        reason=reason,
        created_by=actor,
        number=document_number_next(
            school_id=invoice.school_id, kind=DocumentSequence.Kind.CREDIT_NOTE, year=today.year
        ),
    )
    note.save(force_insert=True)
    invoice.credited_amount += amount
    invoices_save_money([invoice], today=today)
    school_cache_version_bump(school_ids=[invoice.school_id])
    return note


@transaction.atomic
def payment_reverse(
    *,
    payment_id: UUID,
    reason: str,
    note: str = "",
    reversal_date: date | None = None,
    actor: User | None = None,
) -> PaymentReversal:
    """Reverse a payment (a bounced cheque, a chargeback, an entry error): its allocations stop
    counting, so its invoices' paid amounts and statuses go back; its unallocated part leaves the
    family's credit. The payment and its allocations stay, as they were.

    Locks the payment's family (if any), then the payment row, then its invoices in id order, then
    the reversal sequence, then the school. Raises InvalidReason, InvalidReversalDate (400);
    PaymentAlreadyReversed (409); PaymentCreditRefunded (409) when part of its credit was refunded
    (the family's credit would go negative). Safe to retry: a second call is refused with 409.
    """
    if reason not in ReversalReason.values:
        raise InvalidReason(
            fields={
                "reason": [
                    gettext_lazy("One of %(choices)s.") % {"choices": ", ".join(ReversalReason.values)}
                ]
            }
        )
    today = local_today()
    reversal_date = reversal_date or today
    # The family is read before any lock (a payment's family never changes) to lock it first.
    family_id = Payment.objects.filter(pk=payment_id).values_list("family_id", flat=True).first()
    if family_id is not None:
        family_lock(family_id)
    payment = row_get(Payment.objects.select_for_update(no_key=True), payment_id)
    if payment.is_reversed:
        raise PaymentAlreadyReversed()
    if payment.refunded_amount > ZERO:
        raise PaymentCreditRefunded()
    if reversal_date > today or reversal_date < payment.payment_date:
        raise InvalidReversalDate(
            fields={
                "reversal_date": [
                    gettext_lazy("Between the payment's date %(payment_date)s and today %(today)s.")
                    % {"payment_date": payment.payment_date, "today": today}
                ]
            }
        )
    allocations = list(payment.allocations.all())
    invoices = {
        invoice.pk: invoice
        for invoice in Invoice.objects.select_for_update()
        .filter(pk__in=sorted(a.invoice_id for a in allocations))
        .order_by("pk")
    }
    for allocation in allocations:
        invoices[allocation.invoice_id].paid_amount -= allocation.amount
    reversal = PaymentReversal(
        school_id=payment.school_id,
        payment=payment,
        reason=reason,
        note=note,
        reversal_date=reversal_date,
        created_by=actor,
        number=document_number_next(
            school_id=payment.school_id, kind=DocumentSequence.Kind.REVERSAL, year=today.year
        ),
    )
    reversal.save(force_insert=True)
    Payment.objects.filter(pk=payment.pk).running_figures_update(is_reversed=True)
    payment.is_reversed = True
    invoices_save_money(invoices.values(), today=today)
    school_cache_version_bump(school_ids=[payment.school_id])
    return reversal
