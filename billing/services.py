"""Every write that touches an invoice's money. Each function is one transaction.

Lock order, everywhere (here, in billing.credit and billing.corrections):

    1. the family row (any write that reads or changes a family's credit: family payments, credit
       applied to new invoices, refunds, reversals of a family's payment);
    2. the payment row (a reversal);
    3. invoice rows, in id order;
    4. the document sequence row (numbers of invoices, receipts, credit notes, reversals, refunds);
    5. the school row (cache version).

A write takes the locks it needs in that order and never goes back up the list, so two requests
can never deadlock each other. A payment's running figures (allocated, refunded, reversed) are only
written under its family's lock (or, for a payment without a family, its own row lock), so two
writers never race on them.
"""

import time
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from uuid import UUID

import structlog
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from billing.concepts import fee_concept_default, manual_concept_kind
from billing.exceptions import (
    AmountBelowPaid,
    AmountDecreaseNotAllowed,
    AmountFromLines,
    FuturePaymentDate,
    InactiveStudent,
    InvalidAmount,
    InvalidPaymentMethod,
    InvoiceAlreadyPaid,
    InvoiceCancelled,
    InvoiceHasPayments,
    OverdueSweepRunning,
    Overpayment,
    PaymentDateTooOld,
)
from billing.models import (
    Allocation,
    DocumentSequence,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    Payment,
    PaymentMethod,
)
from billing.rules import (
    early_payment_credit,
    invoice_balance,
    invoice_current_status,
    invoice_is_settled,
    overdue_q,
)
from core.dates import local_today
from core.exceptions import NotFound
from core.history import history_copy, history_deferred, history_write
from core.money import MAX_AMOUNT, ZERO, to_money
from core.prepared import PreparedQuery
from families.models import Family
from schools.services import school_cache_version_bump
from students.models import Student
from users.access import Action, get_visible_or_404, require, user_can
from users.models import User

logger = structlog.get_logger(__name__)


# The series whose numbers say what document they are (NC-2026-000001); invoices and receipts
# have none.
_NUMBER_PREFIXES = {
    DocumentSequence.Kind.CREDIT_NOTE: "NC-",
    DocumentSequence.Kind.REVERSAL: "RV-",
    DocumentSequence.Kind.REFUND: "RE-",
}


def document_numbers_next(*, school_id: UUID, kind: str, year: int, count: int) -> list[str]:
    """`count` consecutive numbers of a school's series (invoices, receipts, credit notes...),
    race-free: one upsert that increments and returns, so concurrent callers queue on the
    sequence row."""
    if count <= 0:
        return []
    table = DocumentSequence._meta.db_table
    school_field = DocumentSequence._meta.get_field("school")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (school_id, kind, year, last_value) VALUES (%s, %s, %s, %s)
            ON CONFLICT (school_id, kind, year) DO UPDATE SET last_value = {table}.last_value + %s
            RETURNING last_value
            """,  # noqa: S608 - the table name is our own constant; values are parameters
            [school_field.get_db_prep_value(school_id, connection), kind, year, count, count],
        )
        (last,) = cursor.fetchone()
    prefix = _NUMBER_PREFIXES.get(kind, "")
    return [f"{prefix}{year}-{value:06d}" for value in range(last - count + 1, last + 1)]


def document_number_next(*, school_id: UUID, kind: str, year: int) -> str:
    """The next number of a school's series (see document_numbers_next)."""
    return document_numbers_next(school_id=school_id, kind=kind, year=year, count=1)[0]


def _checked_amount(amount: Decimal, *, field: str = "amount") -> Decimal:
    amount = to_money(amount)
    if amount <= ZERO or amount > MAX_AMOUNT:
        raise InvalidAmount(
            fields={
                field: [
                    gettext_lazy("Must be greater than 0 and at most %(MAX_AMOUNT)s.")
                    % {"MAX_AMOUNT": MAX_AMOUNT}
                ]
            }
        )
    return amount


def _checked_method(method: str) -> str:
    if method not in PaymentMethod.values:
        raise InvalidPaymentMethod(
            fields={"method": [gettext_lazy("Unknown payment method %(method)s.") % {"method": repr(method)}]}
        )
    return method


def _checked_past_date(day: date | None, *, field: str, today: date) -> date:
    # Money is recorded when it moves: a post-dated entry would count in today's balance and in a
    # future day's collections at once.
    if day is not None and day > today:
        raise FuturePaymentDate(
            fields={field: [gettext_lazy("Must be %(today)s or earlier.") % {"today": today}]}
        )
    return day or today


def family_lock(family_id: UUID) -> Family:
    """Lock a family's row: step 1 of the lock order, before anything that reads or moves its credit.

    FOR NO KEY UPDATE, not FOR UPDATE: a payment against one of the family's invoices (which
    locks only that invoice) inserts a row referencing the family, and PostgreSQL's deferred
    foreign-key check takes a KEY SHARE lock on the family at commit. FOR UPDATE would make that
    check wait for a family payment that is itself waiting for the invoice: a deadlock (found by
    tests/billing/services/test_family_payments.py). NO KEY UPDATE still serialises every writer
    of the family's credit, which is what the lock is for.
    """
    return Family.objects.select_for_update(no_key=True).get(pk=family_id)


def invoices_save_money(invoices: Iterable[Invoice], *, today: date) -> None:
    """Store the new paid/credited amounts of locked invoices and their status, in one UPDATE."""
    invoices = list(invoices)
    for invoice in invoices:
        invoice.status = invoice_current_status(invoice, today=today)
        invoice.updated_at = timezone.now()
    if len(invoices) == 1:
        invoices[0].save(update_fields=["paid_amount", "credited_amount", "status", "updated_at"])
    elif invoices:
        Invoice.objects.bulk_update(invoices, ["paid_amount", "credited_amount", "status", "updated_at"])


def family_credit_payments(family_id: UUID):
    """The family's payments with credit left, oldest first: the order credit is spent and refunded."""
    return (
        Payment.objects.filter(family_id=family_id, is_reversed=False)
        .filter(allocated_amount__lt=F("amount") - F("refunded_amount"))
        .order_by("payment_date", "created_at", "number")
    )


def family_credit_apply_locked(*, family_id: UUID, invoices: list[Invoice]) -> list[Allocation]:
    """Pay open invoices from the family's credit, oldest credit first, invoices by due date.

    The caller holds the family lock (so the payments' unallocated parts cannot move) and the
    invoices' row locks (or created them in this transaction); the caller saves the invoices
    (`invoices_save_money`) and bumps the school. Returns the allocations made.
    """
    payments = list(family_credit_payments(family_id))
    if not payments:
        return []
    left = {payment.pk: payment.unallocated_amount for payment in payments}
    allocations = []
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.number)):
        if invoice.status == InvoiceStatus.CANCELLED:
            continue
        for payment in payments:
            balance = invoice_balance(invoice)
            if balance <= ZERO:
                break
            part = min(left[payment.pk], balance)
            if part <= ZERO:
                continue
            allocations.append(Allocation(payment=payment, invoice=invoice, amount=part))
            left[payment.pk] -= part
            invoice.paid_amount += part
    if allocations:
        Allocation.objects.bulk_create(allocations)
        drawn: dict[UUID, Decimal] = {}
        for allocation in allocations:
            drawn[allocation.payment_id] = drawn.get(allocation.payment_id, ZERO) + allocation.amount
        for payment_id, part in drawn.items():
            Payment.objects.filter(pk=payment_id).running_figures_update(
                allocated_amount=F("allocated_amount") + part
            )
    return allocations


@transaction.atomic
def family_credit_apply(*, family_id: UUID, invoice_ids: Iterable[UUID]) -> list[Allocation]:
    """Pay these invoices of a family from its credit (billing runs call it for the invoices they
    issued; `invoice_create` does the same for one invoice by itself).

    Locks the family, then the invoices in id order, then bumps the school. Invoices of other
    families' students are ignored. Safe to retry: settled invoices and an empty credit take nothing.
    """
    family = family_lock(family_id)
    invoices = list(
        Invoice.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted(set(invoice_ids)), student__family_id=family_id)
        .order_by("pk")
    )
    today = local_today()
    allocations = family_credit_apply_locked(family_id=family_id, invoices=invoices)
    if allocations:
        invoices_save_money({a.invoice_id: a.invoice for a in allocations}.values(), today=today)
        school_cache_version_bump(school_ids=[family.school_id])
    return allocations


@transaction.atomic
def invoice_create(
    *,
    student_id: UUID,
    amount: Decimal,
    due_date: date,
    description: str = "",
    actor: User | None = None,
    checked_for: User | None = None,
) -> Invoice:
    """Issue an invoice to a student; the student's school issues it and numbers it. When the
    student's family has credit, the invoice is paid from it at once (oldest credit first), in this
    transaction: the invoice returned already shows it.

    Due dates in the past are allowed (schools load history); the status says OVERDUE then.
    Locks the student's family (if any) before numbering. With `checked_for` (the API's caller),
    the student's read is also the access check: NotFound outside the caller's schools,
    PermissionDenied without the role. Raises InvalidAmount, InactiveStudent,
    Student.DoesNotExist. Not idempotent by itself: the API's Idempotency-Key makes retries safe.
    """
    amount = _checked_amount(amount)
    students = Student.objects.select_related("school")
    if checked_for is None:
        student = students.get(pk=student_id)
    else:
        student = get_visible_or_404(students, checked_for, student_id)
        require(checked_for, Action.INVOICE_CREATE, student.school_id)
    if not student.is_active or not student.school.is_active:
        raise InactiveStudent()
    if student.family_id is not None:
        family_lock(student.family_id)
    # Every invoice has lines that add up to its amount: a typed-in one is one line of it all.
    concept = fee_concept_default(school_id=student.school_id, kind=manual_concept_kind(description))
    invoice = Invoice(
        school_id=student.school_id,
        student=student,
        amount=amount,
        paid_amount=ZERO,
        due_date=due_date,
        description=description,
        created_by=actor,
    )
    invoice.status = invoice_current_status(invoice)
    line = InvoiceLine(
        invoice=invoice, student=student, concept=concept, description=description or concept.name,
        amount=amount, source=LineSource.MANUAL, position=0,
    )
    # The number comes last: from here to the commit every other invoice of the school waits on
    # its sequence row (and then on the school row), so only the inserts stand in between.
    invoice.number = document_number_next(
        school_id=student.school_id, kind=DocumentSequence.Kind.INVOICE, year=local_today().year
    )
    with history_deferred(invoice):
        invoice.save(force_insert=True)
    line.save(force_insert=True)
    history_write((invoice, "+"))
    invoice.line_list = [line]
    if student.family_id is not None:
        today = local_today()
        if family_credit_apply_locked(family_id=student.family_id, invoices=[invoice]):
            invoices_save_money([invoice], today=today)
    school_cache_version_bump(school_ids=[invoice.school_id])
    return invoice


@transaction.atomic
def invoice_update(
    *,
    invoice_id: UUID,
    amount: Decimal | None = None,
    due_date: date | None = None,
    description: str | None = None,
    actor: User | None = None,
) -> Invoice:
    """Change an open invoice's amount, due date or description; recompute its status.

    Locks the invoice row. Raises InvoiceCancelled, InvoiceAlreadyPaid (409),
    AmountBelowPaid (409) when the new amount is below what was paid and credited, InvalidAmount,
    AmountDecreaseNotAllowed (403) when an actor who is not the school's ADMIN lowers the amount
    (it forgives debt; checked under the lock, against the amount as it is now), AmountFromLines
    (409) for a new amount on an invoice of several lines (a billing run's: the lines decide it).

    A typed-in invoice's one line follows its amount and description, so the lines still add up.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    lines = list(invoice.lines.order_by("position"))
    single = lines[0] if len(lines) == 1 and lines[0].source == LineSource.MANUAL else None
    if invoice.status == InvoiceStatus.CANCELLED:
        raise InvoiceCancelled(gettext("A cancelled invoice cannot be edited."))
    if invoice_is_settled(invoice):
        raise InvoiceAlreadyPaid(gettext("A paid invoice cannot be edited."))
    if amount is not None:
        amount = _checked_amount(amount)
        if amount < invoice.amount and actor is not None and not user_can(
            actor, Action.INVOICE_AMOUNT_LOWER, invoice.school_id
        ):
            raise AmountDecreaseNotAllowed()
        if lines and single is None and amount != invoice.amount:
            raise AmountFromLines()
        settled = invoice.paid_amount + invoice.credited_amount
        if amount < settled:
            raise AmountBelowPaid(
                gettext("The amount cannot be lower than the %(paid)s already paid or credited.")
                % {"paid": settled}
            )
        invoice.amount = amount
    if due_date is not None:
        invoice.due_date = due_date
    if description is not None:
        invoice.description = description
    invoice.status = invoice_current_status(invoice)
    invoice.save(update_fields=["amount", "due_date", "description", "status", "updated_at"])
    if single is not None and (single.amount, single.description) != (invoice.amount, invoice.description):
        single.amount = invoice.amount
        single.description = invoice.description or single.description
        single.save(update_fields=["amount", "description", "updated_at"])
    school_cache_version_bump(school_ids=[invoice.school_id])
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice_id: UUID, actor: User | None = None) -> Invoice:
    """Void an invoice. Final. Locks the invoice row.

    Raises InvoiceHasPayments (409) when any payment exists, InvoiceCancelled (409) when it is
    already cancelled.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if invoice.status == InvoiceStatus.CANCELLED:
        raise InvoiceCancelled(gettext("This invoice is already cancelled."))
    if invoice.paid_amount > ZERO or invoice.allocations.filter(payment__is_reversed=False).exists():
        raise InvoiceHasPayments()
    invoice.status = InvoiceStatus.CANCELLED
    invoice.save(update_fields=["status", "updated_at"])
    school_cache_version_bump(school_ids=[invoice.school_id])
    return invoice


def _invoice_locking_read(pk, user_id=None):
    invoices = Invoice.objects.select_for_update(of=("self",)).select_related("student", "school")
    if user_id is not None:  # one of the user's schools (users.access.get_visible_or_404's join)
        invoices = invoices.filter(school__memberships__user_id=user_id)
    return invoices.filter(pk=pk)


# Compiled once per process: the ORM's build and compile of this 3-table read cost more CPU than
# the rest of the payment's reads (core/prepared.py). The same queryset, the same instances.
_INVOICE_LOCKED = PreparedQuery(_invoice_locking_read, pk=UUID)
_INVOICE_LOCKED_VISIBLE = PreparedQuery(_invoice_locking_read, pk=UUID, user_id=UUID)


def _invoice_locked_with_student_and_school(invoice_id: UUID, user: User | None) -> Invoice:
    """The invoice, locked, with its student and school; NotFound when unknown (or, for a
    user who is not a platform admin, outside their schools)."""
    if user is None or user.is_superuser:
        invoice = _INVOICE_LOCKED.first(pk=invoice_id)
    else:
        invoice = _INVOICE_LOCKED_VISIBLE.first(pk=invoice_id, user_id=user.pk)
    if invoice is None:
        if user is None:
            raise Invoice.DoesNotExist
        raise NotFound()
    return invoice


@transaction.atomic
def payment_record(
    *,
    invoice_id: UUID,
    amount: Decimal,
    method: str,
    payment_date: date | None = None,
    reference: str = "",
    actor: User | None = None,
    checked_for: User | None = None,
) -> Payment:
    """Register money received against an invoice.

    Locks the invoice row before reading its balance, so two cashiers (or a retrying gateway)
    cannot both pay the same pending amount. With `checked_for` (the API's caller), the locked
    read is also the access check: NotFound unless the invoice is in one of the user's schools,
    PermissionDenied unless they may record payments there (the invoice is read once, not once
    to check and again to lock). Raises InvoiceCancelled or InvoiceAlreadyPaid
    (409), InvalidAmount, InvalidPaymentMethod, FuturePaymentDate, PaymentDateTooOld (before the
    school's earliest_payment_date) or Overpayment (400). Not
    idempotent by itself: the API's Idempotency-Key makes retries safe.
    """
    amount = _checked_amount(amount)
    _checked_method(method)
    today = local_today()
    payment_date = _checked_past_date(payment_date, field="payment_date", today=today)
    # The student comes in the same query (not locked: `of`), for the receipt the API answers.
    invoice = _invoice_locked_with_student_and_school(invoice_id, checked_for)
    if checked_for is not None:
        require(checked_for, Action.PAYMENT_RECORD, invoice.school_id)
    # A typo (1900 for 2026) would rewrite closed months' collections: the school sets how far back.
    floor = invoice.school.payment_date_floor(today)
    if payment_date is not None and payment_date < floor:
        raise PaymentDateTooOld(
            fields={"payment_date": [gettext_lazy("Must be %(floor)s or later.") % {"floor": floor}]}
        )
    if invoice.status == InvoiceStatus.CANCELLED:
        raise InvoiceCancelled()
    pending = invoice_balance(invoice)
    if pending <= ZERO:
        raise InvoiceAlreadyPaid()
    if amount > pending:
        raise Overpayment(
            gettext("The payment of %(amount)s exceeds the pending amount of %(pending)s.")
            % {"amount": amount, "pending": pending},
            fields={
                "amount": [
                    gettext_lazy("At most %(pending)s is pending on this invoice.") % {"pending": pending}
                ]
            },
        )
    # Pronto pago, judged before the money is applied: paid in time, the payment may settle less.
    early_credit = early_payment_credit(invoice, part=amount, paid_on=payment_date)
    # One payment, one allocation of all of it. The family is noted (its statement lists the
    # payment) but not locked: a payment that fits the invoice never touches the family's credit.
    payment = Payment(
        school_id=invoice.school_id,
        invoice=invoice,
        family_id=invoice.student.family_id,
        amount=amount,
        allocated_amount=amount,
        payment_date=payment_date,
        method=method,
        reference=reference,
        created_by=actor,
    )
    allocation = Allocation(payment=payment, invoice=invoice, amount=amount)
    invoice.paid_amount += amount
    invoice.status = invoice_current_status(invoice, today=today)
    # The receipt number comes last: the school's other payments wait on its sequence row (then
    # on the school row) until the commit, so only the writes stand in between.
    payment.number = document_number_next(
        school_id=invoice.school_id, kind=DocumentSequence.Kind.RECEIPT, year=today.year
    )
    # The two audit-history rows (payment created, invoice changed) go in one statement at the end
    # (core.history): the same rows simple-history writes, at a fraction of the CPU.
    with history_deferred(payment, invoice):
        payment.save(force_insert=True)
        allocation.save(force_insert=True)
        payment.allocation_list = [allocation]
        invoice.save(update_fields=["paid_amount", "status", "updated_at"])
    history_write((payment, "+"), (invoice, "~"))
    early_payment_credit_notes_issue([(invoice, early_credit)], actor=actor)
    school_cache_version_bump(school_ids=[invoice.school_id])
    return payment


EARLY_PAYMENT_REASON = "Pronto pago"


def early_payment_credit_notes_issue(credits: Iterable[tuple[Invoice, Decimal]], *, actor: User | None):
    """Pronto pago, in the paying transaction: a credit note for what a payment made in time left
    unpaid (billing.rules.early_payment_credit), so the invoice reads PAID.

    The caller holds the invoices' row locks and has saved the payment's money on them; the notes
    are numbered after the receipt (the document sequence, step 4 of the lock order), invoices in id
    order. Updates the in-memory invoices' credited amount and status. Returns the notes.
    """
    # billing.corrections builds on this module: imported here, not at the top.
    from billing.corrections import credit_note_issue

    notes = []
    for invoice, credit in sorted(credits, key=lambda pair: pair[0].pk):
        if credit <= ZERO:
            continue
        notes.append(credit_note_issue(
            invoice_id=invoice.pk, amount=credit, reason=EARLY_PAYMENT_REASON, actor=actor
        ))
        invoice.credited_amount += credit
        invoice.status = invoice_current_status(invoice)
    return notes


# --- Overdue sweep -------------------------------------------------------------------------------

# One lock id for every sweep, whichever schools it covers: two sweeps never update the same rows
# at once (no double counting, no deadlock between two big UPDATEs taking rows in different orders).
OVERDUE_SWEEP_LOCK_ID = 5_118_720_260_301
# Invoices updated and given their history rows per round trip (bounded memory for a big night).
SWEEP_BATCH = 2000


def invoice_overdue_sweep(
    *,
    school_ids: Iterable[UUID] | None = None,
    as_of: date | None = None,
    dry_run: bool = False,
    wait: bool = True,
    user: User | None = None,
    via: str = "",
) -> dict[UUID, int]:
    """Persist OVERDUE on every invoice past its due date and not fully paid; per-school counts.

    Only stored PENDING and PARTIAL invoices with `due_date < as_of` and `paid_amount < amount`
    change: PAID, CANCELLED and already OVERDUE rows are never touched. Set-based: one grouped
    count, then per school one locking read of the ids and, per 2,000 of them, one UPDATE and one
    history INSERT. `school_ids=None` sweeps every school; `as_of` defaults to
    today and may not be in the future (that would persist OVERDUE before it is true). `dry_run`
    only counts. Returns {school_id: invoices changed (or that would change)}, schools with none left
    out; logs one JSON line per school and a summary.

    Locks: a PostgreSQL advisory transaction lock (SQLite: the IMMEDIATE write lock) serialises
    sweeps, so a second sweep started at the same time waits and then finds nothing left to do;
    with `wait=False` it raises OverdueSweepRunning (409) instead of waiting (PostgreSQL). Then
    the invoice rows (the UPDATEs), then the changed schools' rows (cache versions), the order
    every money write follows. Idempotent and safe to retry. Raises ValueError for a future
    `as_of`.

    Audit: one history row per invoice changed (none for the others), by `user` (None: the
    system, e.g. cron), reason "overdue sweep as of <as_of>" plus `via` (which command or page).
    """
    today = local_today()
    as_of = as_of or today
    if as_of > today:
        raise ValueError(f"as_of {as_of} is in the future (today is {today}).")
    started = time.monotonic()
    # Stored PENDING/PARTIAL rows whose status on `as_of` is OVERDUE by the rule (billing.rules).
    candidates = Invoice.objects.filter(
        overdue_q(as_of), status__in=[InvoiceStatus.PENDING, InvoiceStatus.PARTIAL]
    )
    if school_ids is not None:
        candidates = candidates.filter(school_id__in=sorted(set(school_ids)))

    def per_school() -> dict[UUID, int]:
        rows = candidates.order_by().values("school_id").annotate(n=Count("id")).order_by("school_id")
        return {row["school_id"]: row["n"] for row in rows}

    if dry_run:
        changed = per_school()
    else:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    if wait:
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [OVERDUE_SWEEP_LOCK_ID])
                    else:
                        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [OVERDUE_SWEEP_LOCK_ID])
                        if not cursor.fetchone()[0]:
                            raise OverdueSweepRunning()
            changed = {}
            now = timezone.now()
            reason = f"overdue sweep as of {as_of.isoformat()}" + (f" ({via})" if via else "")
            for school_id in per_school():
                # Lock the school's candidates (by id, the lock order of every money write); the
                # lock re-checks the conditions on each row, so an invoice paid in the meantime is
                # skipped and the ids are what really changes. Then per batch: the UPDATE, and the
                # history of exactly those rows.
                ids = list(
                    candidates.filter(school_id=school_id).select_for_update(of=("self",)).order_by("pk")
                    .values_list("pk", flat=True)
                )
                for start in range(0, len(ids), SWEEP_BATCH):
                    batch = ids[start:start + SWEEP_BATCH]
                    Invoice.objects.filter(pk__in=batch).update(status=InvoiceStatus.OVERDUE, updated_at=now)
                    history_copy(Invoice, batch, user=user, reason=reason)
                if ids:
                    changed[school_id] = len(ids)
            school_cache_version_bump(school_ids=changed)
    for school_id, count in changed.items():
        logger.info("invoice_overdue_sweep.school", school_id=str(school_id), invoices=count,
                    as_of=as_of.isoformat(), dry_run=dry_run)
    logger.info("invoice_overdue_sweep.done", schools=len(changed), invoices=sum(changed.values()),
                as_of=as_of.isoformat(), dry_run=dry_run, seconds=round(time.monotonic() - started, 3))
    return changed
