"""Consistency checks over the books, and the repair of derived invoice fields.

Checked, set-based (one query over invoices with their allocation and credit-note sums as
subqueries, one over payments, joins for the copied school ids):

- `paid_amount_mismatch`: an invoice's `paid_amount` differs from the sum of its live allocations
  (those of payments that are not reversed);
- `credited_amount_mismatch`: its `credited_amount` differs from the sum of its credit notes;
- `status_mismatch`: its stored `status` differs from the status derived from its own columns
  (billing.rules.current_status_expression, the rule every read applies);
- `overpaid`: its live allocations and credit notes add up to more than its amount;
- `cancelled_with_payments`: a cancelled invoice has live allocations;
- `allocated_amount_mismatch` / `refunded_amount_mismatch`: a payment's running figures differ from
  the sum of its allocations / of the refunds drawn from it;
- `reversal_mismatch`: a payment marked reversed without its reversal record, or the other way;
- `over_allocated`: a payment's allocations and refunds exceed its amount (the family's credit
  would be negative);
- `allocation_school_mismatch`: an allocation joins a payment and an invoice of different schools;
- `lines_sum_mismatch`: an invoice's lines do not add up to its amount (every invoice is the sum of
  its lines; an invoice with no lines at all is not reported here);
- `payment_school_mismatch` / `invoice_school_mismatch`: a payment's school is not its invoice's,
  or an invoice's school is not its student's.

Not a discrepancy: an invoice past its due date still stored PENDING (nothing paid) or PARTIAL
(something paid), i.e. exactly what it was before its due date. That is the state between the due
date and the next overdue sweep; reads derive OVERDUE already. It is reported as information
(`stale_overdue`, per school) and left to `manage.py sweep_overdue`.

Only `paid_amount`, `credited_amount` and `status` are derived, so only they are repaired;
payments, allocations and corrections are never touched.
An overpaid or cancelled-with-payments invoice, or a school mismatch, needs a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from billing import rules
from billing.models import (
    Allocation,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentReversal,
    RefundSource,
)
from billing.rules import current_status_expression
from core.audit import bulk_history_record
from core.dates import local_today
from core.money import ZERO, to_money
from schools.services import school_cache_version_bump

PAID_AMOUNT_MISMATCH = "paid_amount_mismatch"
STATUS_MISMATCH = "status_mismatch"
OVERPAID = "overpaid"
CANCELLED_WITH_PAYMENTS = "cancelled_with_payments"
PAYMENT_SCHOOL_MISMATCH = "payment_school_mismatch"
INVOICE_SCHOOL_MISMATCH = "invoice_school_mismatch"
CREDITED_AMOUNT_MISMATCH = "credited_amount_mismatch"
ALLOCATED_AMOUNT_MISMATCH = "allocated_amount_mismatch"
REFUNDED_AMOUNT_MISMATCH = "refunded_amount_mismatch"
REVERSAL_MISMATCH = "reversal_mismatch"
OVER_ALLOCATED = "over_allocated"
ALLOCATION_SCHOOL_MISMATCH = "allocation_school_mismatch"
LINES_SUM_MISMATCH = "lines_sum_mismatch"
# What invoice_derived_fields_repair can correct.
REPAIRABLE = frozenset({PAID_AMOUNT_MISMATCH, CREDITED_AMOUNT_MISMATCH, STATUS_MISMATCH})
REPAIR_BATCH = 1000


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    school_id: UUID
    invoice_id: UUID | None  # None for a discrepancy of a payment alone
    invoice_number: str
    detail: str
    payment_id: UUID | None = None

    @property
    def repairable(self) -> bool:
        return self.kind in REPAIRABLE


@dataclass(frozen=True)
class InvoiceRepair:
    invoice_id: UUID
    school_id: UUID
    invoice_number: str
    changes: dict[str, tuple[str, str]]  # field -> (before, after)


@dataclass
class ReconcileReport:
    today: date
    invoices_checked: int = 0
    discrepancies: list[Discrepancy] = field(default_factory=list)
    stale_overdue: dict[UUID, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.discrepancies

    def by_kind(self) -> Counter:
        return Counter(d.kind for d in self.discrepancies)

    def repairable_invoice_ids(self) -> list[UUID]:
        return sorted({d.invoice_id for d in self.discrepancies if d.repairable})


_TOTAL = DecimalField(max_digits=14, decimal_places=2)


def _rounded_sum(queryset, group: str, amount: str = "amount") -> Round:
    """SUM(amount) of the rows of `queryset` per `group` = the outer row, as a subquery (0 when none).

    ROUND(..., 2): SQLite sums NUMERIC columns as floats; cents must compare exactly. Subqueries,
    not joins: an invoice's allocations and credit notes summed in one join would multiply.
    """
    total = queryset.order_by().values(group).annotate(total=Sum(amount)).values("total")
    return Round(Coalesce(Subquery(total, output_field=_TOTAL), Value(ZERO), output_field=_TOTAL), 2)


def _live_allocations():
    return Allocation.objects.filter(invoice_id=OuterRef("pk"), payment__is_reversed=False)


def _payments_total() -> Round:
    """What the live allocations (payments not reversed) put on the invoice."""
    return _rounded_sum(_live_allocations(), "invoice_id")


def _credit_notes_total() -> Round:
    return _rounded_sum(CreditNote.objects.filter(invoice_id=OuterRef("pk")), "invoice_id")


def _stale_overdue(derived: str = "derived_status") -> Q:
    """Stored as it was before the due date (PENDING unpaid, PARTIAL part-paid), derived OVERDUE."""
    settled = rules.something_settled_q()
    return Q(**{derived: InvoiceStatus.OVERDUE}) & (
        (Q(status=InvoiceStatus.PENDING) & ~settled) | (Q(status=InvoiceStatus.PARTIAL) & settled)
    )


def _is_stale_overdue(row: dict) -> bool:
    """`_stale_overdue` of a row: derived OVERDUE, stored what the rule said on its due date."""
    return row["derived_status"] == InvoiceStatus.OVERDUE and row["status"] == rules.invoice_current_status(
        row, today=row["due_date"]
    )


def invoice_discrepancy_list(
    *, today: date | None = None, school_ids: Iterable[UUID] | None = None
) -> ReconcileReport:
    """Every discrepancy in the books (or in these schools'), read-only; see the module docstring.

    Three aggregate queries whatever the number of invoices, plus one count per check kind.
    """
    today = today or local_today()
    invoices = Invoice.objects.order_by()
    payments = Payment.objects.order_by()
    if school_ids is not None:
        school_ids = sorted(set(school_ids))
        invoices = invoices.filter(school_id__in=school_ids)
        payments = payments.filter(Q(school_id__in=school_ids) | Q(invoice__school_id__in=school_ids))
    report = ReconcileReport(today=today, invoices_checked=invoices.count())

    # One pass over the invoices, their sums as subqueries, only the inconsistent ones returned.
    rows = (
        invoices.annotate(
            payments_total=_payments_total(),
            credited_total=_credit_notes_total(),
            has_live_allocations=Exists(_live_allocations()),
        )
        .annotate(derived_status=current_status_expression(today))
        .filter(
            ~Q(paid_amount=F("payments_total"))
            | ~Q(credited_amount=F("credited_total"))
            | Q(amount__lt=F("payments_total") + F("credited_total"))
            | Q(status=InvoiceStatus.CANCELLED, has_live_allocations=True)
            | (~Q(status=F("derived_status")) & ~_stale_overdue())
        )
        .values("id", "school_id", "number", "amount", "paid_amount", "status", "payments_total",
                "credited_total", "has_live_allocations", "derived_status", "due_date", *rules.CREDIT_FIELDS)
        .order_by("school_id", "number")
    )
    for row in rows:
        def add(kind: str, detail: str, row=row) -> None:
            report.discrepancies.append(Discrepancy(
                kind=kind, school_id=row["school_id"], invoice_id=row["id"],
                invoice_number=row["number"], detail=detail,
            ))

        total = to_money(row["payments_total"])
        credited = to_money(row["credited_total"])
        if row["paid_amount"] != total:
            add(PAID_AMOUNT_MISMATCH,
                f"paid_amount {row['paid_amount']} but its live allocations total {total}")
        if row["credited_amount"] != credited:
            add(CREDITED_AMOUNT_MISMATCH,
                f"credited_amount {row['credited_amount']} but its credit notes total {credited}")
        if total + credited > row["amount"]:
            add(OVERPAID, f"payments {total} and credit notes {credited}, above the amount {row['amount']}")
        if row["status"] == InvoiceStatus.CANCELLED and row["has_live_allocations"]:
            add(CANCELLED_WITH_PAYMENTS, f"cancelled, but payments totalling {total} are allocated to it")
        if row["status"] != row["derived_status"] and not _is_stale_overdue(row):
            add(STATUS_MISMATCH, f"stored status {row['status']}, derived {row['derived_status']} "
                                 f"(amount {row['amount']}, paid_amount {row['paid_amount']})")

    for row in (
        payments.exclude(school_id=F("invoice__school_id"))
        .values("id", "number", "school_id", "invoice_id", "invoice__number", "invoice__school_id")
        .order_by("invoice__school_id", "number")
    ):
        report.discrepancies.append(Discrepancy(
            kind=PAYMENT_SCHOOL_MISMATCH, school_id=row["invoice__school_id"], invoice_id=row["invoice_id"],
            invoice_number=row["invoice__number"], payment_id=row["id"],
            detail=f"payment {row['number']} ({row['id']}) belongs to school {row['school_id']}",
        ))
    _payment_discrepancies(report, payments)
    allocations = Allocation.objects.order_by()
    if school_ids is not None:
        allocations = allocations.filter(
            Q(invoice__school_id__in=school_ids) | Q(payment__school_id__in=school_ids)
        )
    for row in (
        allocations.exclude(payment__school_id=F("invoice__school_id"))
        .values("payment_id", "payment__number", "payment__school_id", "invoice_id", "invoice__number",
                "invoice__school_id")
        .order_by("invoice__school_id", "invoice__number")
    ):
        report.discrepancies.append(Discrepancy(
            kind=ALLOCATION_SCHOOL_MISMATCH, school_id=row["invoice__school_id"],
            invoice_id=row["invoice_id"],
            invoice_number=row["invoice__number"], payment_id=row["payment_id"],
            detail=f"allocated from payment {row['payment__number']} of school {row['payment__school_id']}",
        ))
    # Lines against their invoice's amount: one grouped query over the lines.
    lines = InvoiceLine.objects.order_by()
    if school_ids is not None:
        lines = lines.filter(invoice__school_id__in=school_ids)
    for row in (
        lines.values("invoice_id", "invoice__number", "invoice__school_id", "invoice__amount")
        .annotate(total=Round(Sum("amount", output_field=_TOTAL), 2, output_field=_TOTAL))
        .exclude(total=F("invoice__amount"))
        .order_by("invoice__school_id", "invoice__number")
    ):
        report.discrepancies.append(Discrepancy(
            kind=LINES_SUM_MISMATCH, school_id=row["invoice__school_id"], invoice_id=row["invoice_id"],
            invoice_number=row["invoice__number"],
            detail=f"its lines add up to {to_money(row['total'])}, its amount is {row['invoice__amount']}",
        ))
    for row in (
        invoices.exclude(school_id=F("student__school_id"))
        .values("id", "number", "school_id", "student_id", "student__school_id")
        .order_by("school_id", "number")
    ):
        report.discrepancies.append(Discrepancy(
            kind=INVOICE_SCHOOL_MISMATCH, school_id=row["school_id"], invoice_id=row["id"],
            invoice_number=row["number"],
            detail=f"its student {row['student_id']} belongs to school {row['student__school_id']}",
        ))

    stale = (
        invoices.annotate(derived_status=current_status_expression(today))
        .filter(_stale_overdue())
        .values("school_id").annotate(n=Count("id")).order_by("school_id")
    )
    report.stale_overdue = {row["school_id"]: row["n"] for row in stale}
    return report


def _payment_discrepancies(report: ReconcileReport, payments) -> None:
    """A payment's running figures against its rows: allocations, refund sources, its reversal."""
    rows = (
        payments.annotate(
            allocations_total=_rounded_sum(Allocation.objects.filter(payment_id=OuterRef("pk")),
                                           "payment_id"),
            refunds_total=_rounded_sum(RefundSource.objects.filter(payment_id=OuterRef("pk")),
                                       "payment_id"),
            has_reversal=Exists(PaymentReversal.objects.filter(payment_id=OuterRef("pk"))),
        )
        .filter(
            ~Q(allocated_amount=F("allocations_total"))
            | ~Q(refunded_amount=F("refunds_total"))
            | ~Q(is_reversed=F("has_reversal"))
            | Q(amount__lt=F("allocations_total") + F("refunds_total"))
            | Q(is_reversed=True, refunded_amount__gt=0)
        )
        .values("id", "number", "school_id", "amount", "allocated_amount", "refunded_amount", "is_reversed",
                "allocations_total", "refunds_total", "has_reversal")
        .order_by("school_id", "number")
    )
    for row in rows:
        def add(kind: str, detail: str, row=row) -> None:
            report.discrepancies.append(Discrepancy(
                kind=kind, school_id=row["school_id"], invoice_id=None, invoice_number="",
                payment_id=row["id"], detail=f"payment {row['number']}: {detail}",
            ))

        allocated, refunded = to_money(row["allocations_total"]), to_money(row["refunds_total"])
        if row["allocated_amount"] != allocated:
            add(ALLOCATED_AMOUNT_MISMATCH,
                f"allocated_amount {row['allocated_amount']}, allocations {allocated}")
        if row["refunded_amount"] != refunded:
            add(REFUNDED_AMOUNT_MISMATCH, f"refunded_amount {row['refunded_amount']}, refunds {refunded}")
        if row["is_reversed"] != bool(row["has_reversal"]):
            add(REVERSAL_MISMATCH, f"is_reversed {row['is_reversed']} but reversal record "
                                   f"{'present' if row['has_reversal'] else 'missing'}")
        if allocated + refunded > row["amount"] or (row["is_reversed"] and row["refunded_amount"] > ZERO):
            add(OVER_ALLOCATED, f"amount {row['amount']}, allocated {allocated}, refunded {refunded}, "
                                f"reversed {row['is_reversed']}: the family's credit would be negative")


def invoice_derived_fields_repair(
    *, invoice_ids: Sequence[UUID], today: date | None = None, user=None, via: str = "reconcile --fix"
) -> list[InvoiceRepair]:
    """Set `paid_amount` to the sum of the live allocations, `credited_amount` to the sum of the credit
    notes and `status` to the derived status; what changed.

    Never touches payments. An invoice whose payments exceed its amount keeps its paid_amount (the
    database refuses paid_amount > amount; a person must sort it out) and only gets its status
    derived. Works in batches, one transaction each: locks the batch's invoice rows (in id order),
    reads their payments after the lock (a payment being recorded waits for it, so no sum is
    stale), updates the rows that differ, writes one history row for each of them (by `user`, None
    for the system; the reason says `via` and what changed), then bumps their schools' cache
    versions. Safe to retry: a second run changes nothing.
    """
    today = today or local_today()
    repairs: list[InvoiceRepair] = []
    ids = sorted(set(invoice_ids))
    for start in range(0, len(ids), REPAIR_BATCH):
        batch = ids[start:start + REPAIR_BATCH]
        with transaction.atomic():
            locked = list(Invoice.objects.select_for_update().filter(pk__in=batch).order_by("pk"))
            totals = dict(
                Allocation.objects.filter(invoice_id__in=batch, payment__is_reversed=False).order_by()
                .values("invoice_id").annotate(total=Sum("amount")).values_list("invoice_id", "total")
            )
            credits = dict(
                CreditNote.objects.filter(invoice_id__in=batch).order_by().values("invoice_id")
                .annotate(total=Sum("amount")).values_list("invoice_id", "total")
            )
            now = timezone.now()
            changed: list[Invoice] = []
            for invoice in locked:
                total: Decimal = to_money(totals.get(invoice.pk) or ZERO)
                credited: Decimal = to_money(credits.get(invoice.pk) or ZERO)
                stored_paid, stored_credited = invoice.paid_amount, invoice.credited_amount
                # The database refuses paid + credited > amount: such an invoice keeps its figures.
                fits = total + credited <= invoice.amount
                paid = total if fits else stored_paid
                credited = credited if fits else stored_credited
                # The status is derived from the repaired figures.
                invoice.paid_amount, invoice.credited_amount = paid, credited
                status = rules.invoice_current_status(invoice, today=today)
                changes = {}
                if paid != stored_paid:
                    changes["paid_amount"] = (str(stored_paid), str(paid))
                if credited != stored_credited:
                    changes["credited_amount"] = (str(stored_credited), str(credited))
                if status != invoice.status:
                    changes["status"] = (str(invoice.status), str(status))
                if changes:
                    invoice.status, invoice.updated_at = status, now
                    invoice._change_reason = f"{via}: " + ", ".join(
                        f"{name} {old}->{new}" for name, (old, new) in changes.items()
                    )
                    changed.append(invoice)
                    repairs.append(InvoiceRepair(invoice_id=invoice.pk, school_id=invoice.school_id,
                                                 invoice_number=invoice.number, changes=changes))
            Invoice.objects.bulk_update(changed, ["paid_amount", "credited_amount", "status", "updated_at"])
            bulk_history_record(Invoice, changed, user=user)
            school_cache_version_bump(school_ids={invoice.school_id for invoice in changed})
    return repairs
