"""A family's money: one payment for all its children, allocated across their invoices; the
unallocated rest is the family's credit (saldo a favor), spent on new invoices or refunded.

credit balance = the unallocated part of the family's payments that are not reversed
               = sum(amount - allocated_amount - refunded_amount), each term >= 0 by a CHECK,
so the credit can never go negative. Lock order: see billing.services.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from billing.exceptions import (
    AllocationsExceedPayment,
    InvalidAllocations,
    InvoiceAlreadyPaid,
    InvoiceCancelled,
    Overpayment,
    PaymentDateTooOld,
    RefundAboveCredit,
)
from billing.models import Allocation, DocumentSequence, Invoice, InvoiceStatus, Payment, Refund, RefundSource
from billing.rules import early_payment_credit, settling_amount
from billing.services import (
    _checked_amount,
    _checked_method,
    _checked_past_date,
    document_number_next,
    early_payment_credit_notes_issue,
    family_credit_payments,
    family_lock,
    invoice_balance,
    invoices_save_money,
)
from core.dates import local_today
from core.exceptions import NotFound
from core.money import ZERO
from schools.models import School
from schools.services import school_cache_version_bump
from users.models import User

_MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class AllocationRequest:
    """`{invoice_id, amount}` of a family payment that says where its money goes."""

    invoice_id: UUID | str
    amount: Decimal


def family_credit_balance(*, family_id: UUID) -> Decimal:
    """What the family has paid and not yet had allocated or refunded (>= 0)."""
    total = Payment.objects.filter(family_id=family_id, is_reversed=False).aggregate(
        credit=Coalesce(
            Sum(F("amount") - F("allocated_amount") - F("refunded_amount"), output_field=_MONEY),
            ZERO,
            output_field=_MONEY,
        )
    )["credit"]
    return Decimal(total).quantize(Decimal("0.01"))


def allocation_plan_oldest_first(
    invoices: Iterable[Invoice], amount: Decimal, *, paid_on: date | None = None
) -> list[tuple[Invoice, Decimal]]:
    """Where `amount` goes among a family's open invoices: oldest due date first (then by number),
    each taking at most its balance. Pure: reads the invoices' figures, changes nothing; what it
    does not place is the family's credit. The one allocation rule of family payments, one at a
    time (family_payment_record) or many at once (billing.payments_many).

    With `paid_on`, an invoice whose pronto pago is still open on that day takes at most its
    settling amount (billing.rules.settling_amount); the caller credits the rest."""
    plan: list[tuple[Invoice, Decimal]] = []
    left = amount
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.number)):
        if left <= ZERO:
            break
        owed = invoice_balance(invoice) if paid_on is None else settling_amount(invoice, paid_on=paid_on)
        part = min(left, owed)
        if part > ZERO:
            plan.append((invoice, part))
            left -= part
    return plan


def _checked_not_before_floor(day: date, *, school_id: UUID, field: str, today: date) -> None:
    """A typo (1900 for 2026) would rewrite closed months' collections and every statement's
    opening balance: money is dated no earlier than the school's floor, as billing.services
    payment_record checks it for a payment against one invoice."""
    floor = School.objects.only("earliest_payment_date").get(pk=school_id).payment_date_floor(today)
    if day < floor:
        raise PaymentDateTooOld(fields={field: [f"Must be {floor} or later."]})


def _parse_requests(requests: Sequence[AllocationRequest]) -> list[tuple[UUID, Decimal]]:
    """Explicit allocations as (invoice id, amount). A malformed id is as unknown as any other
    (404); a listed invoice twice or a bad amount is a 400 naming `allocations`."""
    parsed: list[tuple[UUID, Decimal]] = []
    for index, request in enumerate(requests):
        try:
            invoice_id = Invoice._meta.pk.to_python(request.invoice_id)
        except ValidationError:
            raise NotFound(gettext_lazy("No such invoice among this family's invoices.")) from None
        amount = _checked_amount(request.amount, field="allocations")
        parsed.append((invoice_id, amount))
        if [i for i, _ in parsed].count(invoice_id) > 1:
            raise InvalidAllocations(
                gettext_lazy("An invoice is listed twice."),
                fields={
                    "allocations": [gettext_lazy("Item %(index)s: invoice listed twice.") % {"index": index}]
                },
            )
    return parsed


@transaction.atomic
def family_payment_record(
    *,
    family_id: UUID,
    amount: Decimal,
    method: str,
    payment_date: date | None = None,
    reference: str = "",
    allocations: Sequence[AllocationRequest] | None = None,
    actor: User | None = None,
) -> Payment:
    """Record one payment for a family and allocate it across its children's invoices.

    With `allocations`, to exactly those invoices and amounts (what they leave over is credit,
    never allocated automatically); without, oldest due date first (then by number) across the
    open invoices of all the family's students. The rest is the family's credit.

    Locks the family row, then the invoices in id order, then the receipt sequence, then the
    school (billing.services). Raises InvalidAmount, InvalidPaymentMethod, FuturePaymentDate,
    PaymentDateTooOld (before the school's earliest payment date), InvalidAllocations,
    AllocationsExceedPayment, Overpayment (400); NotFound (404) for an invoice that is not one of
    this family's students'; InvoiceCancelled, InvoiceAlreadyPaid (409)
    for a listed invoice that cannot take money. A refusal writes nothing. Not idempotent by itself:
    the API's Idempotency-Key makes retries safe.
    """
    amount = _checked_amount(amount)
    _checked_method(method)
    today = local_today()
    payment_date = _checked_past_date(payment_date, field="payment_date", today=today)
    requested = _parse_requests(allocations) if allocations is not None else None
    if requested is not None and sum((a for _, a in requested), ZERO) > amount:
        raise AllocationsExceedPayment(
            fields={
                "allocations": [
                    gettext_lazy("They add up to more than the payment of %(amount)s.") % {"amount": amount}
                ]
            }
        )

    family = family_lock(family_id)
    _checked_not_before_floor(payment_date, school_id=family.school_id, field="payment_date", today=today)
    family_invoices = Invoice.objects.select_for_update(of=("self",)).filter(student__family_id=family.pk)
    plan: list[tuple[Invoice, Decimal]] = []
    if requested is not None:
        locked = {
            invoice.pk: invoice
            for invoice in family_invoices.filter(pk__in=sorted(i for i, _ in requested)).order_by("pk")
        }
        for index, (invoice_id, part) in enumerate(requested):
            invoice = locked.get(invoice_id)
            if invoice is None:
                raise NotFound(
                    gettext_lazy("Invoice %(invoice_id)s is not one of this family's invoices.")
                    % {"invoice_id": invoice_id}
                )
            if invoice.status == InvoiceStatus.CANCELLED:
                raise InvoiceCancelled(
                    gettext_lazy("Invoice %(number)s is cancelled.") % {"number": invoice.number}
                )
            balance = invoice_balance(invoice)
            if balance <= ZERO:
                raise InvoiceAlreadyPaid(
                    gettext_lazy("Invoice %(number)s is already paid.") % {"number": invoice.number}
                )
            if part > balance:
                raise Overpayment(
                    gettext_lazy("%(part)s exceeds the %(balance)s pending on invoice %(number)s.")
                    % {"part": part, "balance": balance, "number": invoice.number},
                    fields={
                        "allocations": [
                            gettext_lazy("Item %(index)s: at most %(balance)s is pending on %(number)s.")
                            % {"index": index, "balance": balance, "number": invoice.number}
                        ]
                    },
                )
            plan.append((invoice, part))
    else:
        # Lock every open invoice of the family (id order), then spend oldest due date first.
        open_invoices = list(
            family_invoices.exclude(status=InvoiceStatus.CANCELLED)
            .filter(paid_amount__lt=F("amount") - F("credited_amount"))
            .order_by("pk")
        )
        plan = allocation_plan_oldest_first(open_invoices, amount, paid_on=payment_date)

    # Pronto pago, judged before the money is applied.
    early_credits = [
        (invoice, early_payment_credit(invoice, part=part, paid_on=payment_date)) for invoice, part in plan
    ]
    allocated = sum((part for _, part in plan), ZERO)
    payment = Payment(
        school_id=family.school_id,
        family=family,
        amount=amount,
        allocated_amount=allocated,
        payment_date=payment_date,
        method=method,
        reference=reference,
        created_by=actor,
        number=document_number_next(
            school_id=family.school_id, kind=DocumentSequence.Kind.RECEIPT, year=today.year
        ),
    )
    payment.save(force_insert=True)
    rows = [Allocation(payment=payment, invoice=invoice, amount=part) for invoice, part in plan]
    Allocation.objects.bulk_create(rows)
    for invoice, part in plan:
        invoice.paid_amount += part
    invoices_save_money([invoice for invoice, _ in plan], today=today)
    early_payment_credit_notes_issue(early_credits, actor=actor)
    school_cache_version_bump(school_ids=[family.school_id])
    payment.allocation_list = rows  # the answer lists them without another query
    return payment


@transaction.atomic
def family_refund_create(
    *,
    family_id: UUID,
    amount: Decimal,
    method: str,
    refund_date: date | None = None,
    reference: str = "",
    note: str = "",
    actor: User | None = None,
) -> Refund:
    """Pay money back to a family out of its credit, drawn from its oldest payments first.

    Locks the family row, then the refund sequence, then the school. Raises InvalidAmount,
    InvalidPaymentMethod, FuturePaymentDate, PaymentDateTooOld (before the school's earliest payment
    date), RefundAboveCredit (400). Not idempotent.
    """
    amount = _checked_amount(amount)
    _checked_method(method)
    today = local_today()
    refund_date = _checked_past_date(refund_date, field="refund_date", today=today)
    family = family_lock(family_id)
    _checked_not_before_floor(refund_date, school_id=family.school_id, field="refund_date", today=today)
    payments = list(family_credit_payments(family.pk))
    credit = sum((p.unallocated_amount for p in payments), ZERO)
    if amount > credit:
        raise RefundAboveCredit(
            gettext_lazy("The family's credit is %(credit)s.") % {"credit": credit},
            fields={
                "amount": [gettext_lazy("At most %(credit)s (the family's credit).") % {"credit": credit}]
            },
        )
    refund = Refund(
        school_id=family.school_id,
        family=family,
        amount=amount,
        method=method,
        refund_date=refund_date,
        reference=reference,
        note=note,
        created_by=actor,
        number=document_number_next(
            school_id=family.school_id, kind=DocumentSequence.Kind.REFUND, year=today.year
        ),
    )
    refund.save(force_insert=True)
    left = amount
    sources = []
    for payment in payments:
        if left <= ZERO:
            break
        part = min(left, payment.unallocated_amount)
        sources.append(RefundSource(refund=refund, payment=payment, amount=part))
        Payment.objects.filter(pk=payment.pk).running_figures_update(
            refunded_amount=F("refunded_amount") + part
        )
        left -= part
    RefundSource.objects.bulk_create(sources)
    school_cache_version_bump(school_ids=[family.school_id])
    return refund
