"""Many family payments at once: what a bank statement import records for its referenced deposits.

`family_payments_record_many` gives exactly what calling billing.credit.family_payment_record once
per request, in order, gives (the same payments and numbers, allocations, invoice figures and
credit; tests/billing/services/test_family_payments_many.py compares them on random data), in a
handful of statements instead of ~10 per payment:

    1. the families, FOR NO KEY UPDATE, in id order (step 1 of the lock order, billing.services);
    2. their open invoices, FOR UPDATE, in id order (step 3);
    3. oldest-first allocation in Python, request by request, with the one rule of
       billing.credit.allocation_plan_oldest_first (a family's second deposit sees what its first
       one left);
    4. the receipt numbers in one upsert per school (step 4), then the payments, allocations and
       history rows in bulk inserts;
    5. the invoices' paid amounts and statuses in one UPDATE ... FROM (VALUES ...);
    6. the schools' cache versions (step 5).

A request the single service would refuse (bad amount, method or date, unknown family) is refused
here too, without writing anything for it; the others are recorded. Every DB guard still holds:
`paid_amount + credited_amount <= amount` on each invoice and `allocated + refunded <= amount` on
each payment (CHECKs), insert-only allocations (triggers).

Not idempotent by itself, like the single service: the caller keeps a request from being recorded
twice (the bank import writes each statement line, unique per account, in the same transaction as
its payment, so a re-import or a racing import of the same line records nothing).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy

from billing.credit import allocation_plan_oldest_first
from billing.exceptions import PaymentDateTooOld
from billing.models import Allocation, DocumentSequence, Invoice, InvoiceStatus, Payment
from billing.rules import early_payment_credit, invoice_current_status
from billing.services import (
    _checked_amount,
    _checked_method,
    _checked_past_date,
    document_numbers_next,
    early_payment_credit_notes_issue,
)
from core.dates import local_today
from core.exceptions import DomainError, NotFound
from core.history import history_copy
from core.money import ZERO
from families.models import Family
from schools.models import School
from schools.services import school_cache_version_bump
from users.models import User


@dataclass(frozen=True)
class FamilyPaymentRequest:
    """One family payment to record, allocated oldest first (the arguments of
    family_payment_record without explicit allocations)."""

    family_id: UUID | str
    amount: Decimal
    method: str
    payment_date: date | None = None
    reference: str = ""


def _chunks(ids: list) -> list[list]:
    """Sorted ids in pieces that fit one statement's parameters (SQLite: 999; PostgreSQL: one)."""
    limit = connection.features.max_query_params
    size = max(1, limit - 50) if limit else max(1, len(ids))
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _families_lock(family_ids: list[UUID]) -> dict[UUID, UUID]:
    """Lock the families in id order; {family id: school id} of those that exist."""
    schools: dict[UUID, UUID] = {}
    for chunk in _chunks(sorted(family_ids)):
        rows = (
            Family.objects.select_for_update(no_key=True)
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "school_id")
        )
        schools.update(rows)
    return schools


def _open_invoices_lock(family_ids: list[UUID]) -> dict[UUID, list[Invoice]]:
    """Lock the families' open invoices in id order (as family_payment_record does for one family);
    {family id: its open invoices}."""
    by_family: dict[UUID, list[Invoice]] = defaultdict(list)
    for chunk in _chunks(sorted(family_ids)):
        invoices = (
            Invoice.objects.select_for_update(of=("self",))
            .filter(student__family_id__in=chunk)
            .exclude(status=InvoiceStatus.CANCELLED)
            .filter(paid_amount__lt=F("amount") - F("credited_amount"))
            .annotate(payer_family_id=F("student__family_id"))
            .order_by("pk")
        )
        for invoice in invoices:
            by_family[invoice.payer_family_id].append(invoice)
    return by_family


def _invoices_paid_update(invoices: list[Invoice], *, today: date) -> None:
    """Store the invoices' new paid amounts and statuses: one UPDATE ... FROM (VALUES ...) per
    chunk (one on PostgreSQL), instead of one UPDATE per invoice."""
    if not invoices:
        return
    table = Invoice._meta.db_table
    pk_field = Invoice._meta.pk
    paid_field = Invoice._meta.get_field("paid_amount")
    now = Invoice._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection)
    postgres = connection.vendor == "postgresql"
    row_sql = "(CAST(%s AS uuid), CAST(%s AS numeric), %s)" if postgres else "(%s, %s, %s)"
    # SQLite names a VALUES list's columns column1, column2...; PostgreSQL takes names for them.
    alias, id_, paid, status = (
        ("v(id, paid, status)", "v.id", "v.paid", "v.status")
        if postgres
        else ("v", "v.column1", "v.column2", "v.column3")
    )
    rows = []
    for invoice in sorted(invoices, key=lambda i: i.pk):
        invoice.status = invoice_current_status(invoice, today=today)
        invoice.updated_at = timezone.now()
        rows.append(
            (
                pk_field.get_db_prep_value(invoice.pk, connection),
                paid_field.get_db_prep_save(invoice.paid_amount, connection),
                invoice.status,
            )
        )
    size = max(1, (connection.features.max_query_params or 30_000) // 3 - 10)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(
                f"""
                UPDATE {table} SET paid_amount = {paid}, status = {status}, updated_at = %s
                FROM (VALUES {", ".join([row_sql] * len(chunk))}) AS {alias}
                WHERE {table}.id = {id_}
                """,  # noqa: S608 - our own table name and column names; every value is a parameter
                [now] + [value for row in chunk for value in row],
            )
            if cursor.rowcount != len(chunk):
                raise RuntimeError(f"{len(chunk)} invoices to update, {cursor.rowcount} updated")


@transaction.atomic
def family_payments_record_many(
    *, requests: Sequence[FamilyPaymentRequest], actor: User | None = None
) -> list[Payment | DomainError]:
    """Record these family payments, in this order, each allocated oldest due date first across
    its family's open invoices (the rest is the family's credit).

    Returns one outcome per request, in order: the Payment (with `allocation_list`), or the
    DomainError family_payment_record would have raised for it (InvalidAmount,
    InvalidPaymentMethod, FuturePaymentDate, PaymentDateTooOld, NotFound for an unknown family):
    a refused request
    writes nothing, the others are recorded. Locks as the module docstring says.
    """
    today = local_today()
    outcomes: list[Payment | DomainError | None] = [None] * len(requests)
    accepted: list[tuple[int, UUID, Decimal, date, FamilyPaymentRequest]] = []
    for index, request in enumerate(requests):
        try:
            amount = _checked_amount(request.amount)
            _checked_method(request.method)
            payment_date = _checked_past_date(request.payment_date, field="payment_date", today=today)
            try:
                family_id = Family._meta.pk.to_python(request.family_id)
            except ValidationError:
                raise NotFound(gettext_lazy("No such family.")) from None
        except DomainError as refusal:
            outcomes[index] = refusal
            continue
        accepted.append((index, family_id, amount, payment_date, request))

    schools = _families_lock(list({family_id for _, family_id, *_ in accepted}))
    floors = {
        school.pk: school.payment_date_floor(today)
        for school in School.objects.filter(pk__in=sorted(set(schools.values()))).only(
            "earliest_payment_date"
        )
    }
    open_by_family = _open_invoices_lock(list(schools))

    payments: list[Payment] = []
    allocations: list[Allocation] = []
    changed: dict[UUID, Invoice] = {}
    early_credits: list[list[tuple[Invoice, Decimal]]] = []  # per payment, as the single service
    for index, family_id, amount, payment_date, request in accepted:
        if family_id not in schools:
            outcomes[index] = NotFound(gettext_lazy("No such family."))
            continue
        floor = floors[schools[family_id]]
        if payment_date < floor:  # as family_payment_record: a 1900 typo is refused
            outcomes[index] = PaymentDateTooOld(fields={"payment_date": [f"Must be {floor} or later."]})
            continue
        plan = allocation_plan_oldest_first(open_by_family.get(family_id, ()), amount, paid_on=payment_date)
        # Pronto pago, judged before the money is applied (billing.rules), as the single service.
        credits = [
            (invoice, early_payment_credit(invoice, part=part, paid_on=payment_date))
            for invoice, part in plan
        ]
        payment = Payment(
            school_id=schools[family_id],
            family_id=family_id,
            amount=amount,
            allocated_amount=sum((part for _, part in plan), Decimal("0.00")),
            payment_date=payment_date,
            method=request.method,
            reference=request.reference,
            created_by=actor,
        )
        payment.allocation_list = [
            Allocation(payment=payment, invoice=invoice, amount=part) for invoice, part in plan
        ]
        for invoice, part in plan:
            invoice.paid_amount += part  # the family's next payment in this batch sees it
            changed[invoice.pk] = invoice
        for invoice, credit in credits:
            invoice.credited_amount += credit  # and an invoice settled by pronto pago as settled
        # The notes are issued below by billing.services, which updates the invoices it is given:
        # copies, so this batch's view of them is not counted twice.
        early_credits.append([(copy.copy(invoice), credit) for invoice, credit in credits if credit > ZERO])
        allocations.extend(payment.allocation_list)
        payments.append(payment)
        outcomes[index] = payment

    if payments:
        by_school: dict[UUID, list[Payment]] = defaultdict(list)
        for payment in payments:
            by_school[payment.school_id].append(payment)
        for school_id in sorted(by_school):
            numbers = document_numbers_next(
                school_id=school_id,
                kind=DocumentSequence.Kind.RECEIPT,
                year=today.year,
                count=len(by_school[school_id]),
            )
            for payment, number in zip(by_school[school_id], numbers, strict=True):
                payment.number = number
        Payment.objects.bulk_create(payments, batch_size=1000)
        Allocation.objects.bulk_create(allocations, batch_size=1000)
        _invoices_paid_update(list(changed.values()), today=today)
        for credits in early_credits:  # rare (pronto pago in time): one credit note at a time
            if credits:
                early_payment_credit_notes_issue(credits, actor=actor)
        # The audit trail the single service writes through save(): one "+" row per payment, and
        # here one "~" row per invoice whose paid amount changed.
        history_copy(Payment, [payment.pk for payment in payments], history_type="+", user=actor)
        history_copy(Invoice, list(changed), history_type="~", user=actor)
        school_cache_version_bump(school_ids=by_school)
    return outcomes
