"""Consistency checks over the books, and the repair of derived invoice fields.

Checked, set-based (one grouped query over invoices joined to their payments, two joins for the
copied school ids):

- `paid_amount_mismatch`: an invoice's `paid_amount` differs from the sum of its payments;
- `status_mismatch`: its stored `status` differs from the status derived from its own columns
  (billing.rules.current_status_expression, the rule every read applies);
- `overpaid`: its payments add up to more than its amount;
- `cancelled_with_payments`: a cancelled invoice has payments;
- `payment_school_mismatch` / `invoice_school_mismatch`: a payment's school is not its invoice's,
  or an invoice's school is not its student's.

Not a discrepancy: an invoice past its due date still stored PENDING (nothing paid) or PARTIAL
(something paid), i.e. exactly what it was before its due date. That is the state between the due
date and the next overdue sweep; reads derive OVERDUE already. It is reported as information
(`stale_overdue`, per school) and left to `manage.py sweep_overdue`.

Only `paid_amount` and `status` are derived, so only they are repaired; payments are never touched.
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
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from billing import rules
from billing.models import Invoice, InvoiceStatus, Payment
from billing.rules import current_status_expression
from core.dates import local_today
from core.money import ZERO, to_money
from schools.services import school_cache_version_bump

PAID_AMOUNT_MISMATCH = "paid_amount_mismatch"
STATUS_MISMATCH = "status_mismatch"
OVERPAID = "overpaid"
CANCELLED_WITH_PAYMENTS = "cancelled_with_payments"
PAYMENT_SCHOOL_MISMATCH = "payment_school_mismatch"
INVOICE_SCHOOL_MISMATCH = "invoice_school_mismatch"
# What invoice_derived_fields_repair can correct.
REPAIRABLE = frozenset({PAID_AMOUNT_MISMATCH, STATUS_MISMATCH})
REPAIR_BATCH = 1000


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    school_id: UUID
    invoice_id: UUID
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


def _payments_total() -> Round:
    # ROUND(..., 2): SQLite sums NUMERIC columns as floats; cents must compare exactly.
    return Round(
        Coalesce(Sum("payments__amount"), Value(ZERO), output_field=DecimalField(max_digits=14,
                                                                                   decimal_places=2)),
        2,
    )


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

    # One pass: invoices LEFT JOIN payments, grouped by invoice, only the inconsistent ones returned.
    rows = (
        invoices.annotate(payments_total=_payments_total(), payments_count=Count("payments"))
        .annotate(derived_status=current_status_expression(today))
        .filter(
            ~Q(paid_amount=F("payments_total"))
            | Q(payments_total__gt=F("amount"))
            | Q(status=InvoiceStatus.CANCELLED, payments_count__gt=0)
            | (~Q(status=F("derived_status")) & ~_stale_overdue())
        )
        .values("id", "school_id", "number", "amount", "paid_amount", "status", "payments_total",
                "payments_count", "derived_status", "due_date", *rules.CREDIT_FIELDS)
        .order_by("school_id", "number")
    )
    for row in rows:
        def add(kind: str, detail: str, row=row) -> None:
            report.discrepancies.append(Discrepancy(
                kind=kind, school_id=row["school_id"], invoice_id=row["id"],
                invoice_number=row["number"], detail=detail,
            ))

        total = to_money(row["payments_total"])
        if row["paid_amount"] != total:
            add(PAID_AMOUNT_MISMATCH, f"paid_amount {row['paid_amount']} but its {row['payments_count']} "
                                      f"payments total {total}")
        if total > row["amount"]:
            add(OVERPAID, f"payments total {total}, above the amount {row['amount']}")
        if row["status"] == InvoiceStatus.CANCELLED and row["payments_count"]:
            add(CANCELLED_WITH_PAYMENTS, f"cancelled, but has {row['payments_count']} payments "
                                         f"totalling {total}")
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


def invoice_derived_fields_repair(
    *, invoice_ids: Sequence[UUID], today: date | None = None
) -> list[InvoiceRepair]:
    """Set `paid_amount` to the sum of the payments and `status` to the derived status; what changed.

    Never touches payments. An invoice whose payments exceed its amount keeps its paid_amount (the
    database refuses paid_amount > amount; a person must sort it out) and only gets its status
    derived. Works in batches, one transaction each: locks the batch's invoice rows (in id order),
    reads their payments after the lock (a payment being recorded waits for it, so no sum is
    stale), updates the rows that differ, then bumps their schools' cache versions. Safe to retry:
    a second run changes nothing.
    """
    today = today or local_today()
    repairs: list[InvoiceRepair] = []
    ids = sorted(set(invoice_ids))
    for start in range(0, len(ids), REPAIR_BATCH):
        batch = ids[start:start + REPAIR_BATCH]
        with transaction.atomic():
            locked = list(Invoice.objects.select_for_update().filter(pk__in=batch).order_by("pk"))
            totals = dict(
                Payment.objects.filter(invoice_id__in=batch).order_by().values("invoice_id")
                .annotate(total=Sum("amount")).values_list("invoice_id", "total")
            )
            now = timezone.now()
            changed: list[Invoice] = []
            for invoice in locked:
                total: Decimal = to_money(totals.get(invoice.pk) or ZERO)
                stored_paid = invoice.paid_amount
                paid = total if total <= invoice.amount else stored_paid
                invoice.paid_amount = paid  # the status is derived from the repaired figure
                status = rules.invoice_current_status(invoice, today=today)
                changes = {}
                if paid != stored_paid:
                    changes["paid_amount"] = (str(stored_paid), str(paid))
                if status != invoice.status:
                    changes["status"] = (str(invoice.status), str(status))
                if changes:
                    invoice.paid_amount, invoice.status, invoice.updated_at = paid, status, now
                    changed.append(invoice)
                    repairs.append(InvoiceRepair(invoice_id=invoice.pk, school_id=invoice.school_id,
                                                 invoice_number=invoice.number, changes=changes))
            Invoice.objects.bulk_update(changed, ["paid_amount", "status", "updated_at"])
            school_cache_version_bump(school_ids={invoice.school_id for invoice in changed})
    return repairs
