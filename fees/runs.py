"""The billing run: a school's invoices for a period, issued at once from its fee plans.

One service behind `manage.py generate_invoices`, the admin action and
`POST /schools/{id}/billing-runs`. For every active enrollment (active student, active plan and
school year) with an item due in the period: one invoice per student and period, with a line per
item and the discount lines (fees.pricing decides the amounts). Idempotent: a plan item's line is
UNIQUE per (student, concept, period), and a run skips what is already issued, so a second run
issues nothing and says so. Set-based: everything is read in a handful of queries, priced in
memory, numbered from one block of the school's invoice series (one sequence upsert) and inserted
in bulk, so a school of thousands takes seconds.
"""

import hashlib
import os
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import structlog
from django.db import connection, transaction
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from billing.concepts import ConceptKind, fee_concept_default
from billing.models import (
    DocumentSequence,
    FeeConcept,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    Payment,
)
from billing.rules import invoice_status_derive, open_q
from billing.services import document_numbers_next, family_credit_apply, family_lock
from core.dates import local_today
from core.money import ZERO
from fees.calendar import Period
from fees.latefees import surcharges_due, tiers_from_json
from fees.models import (
    BillingRun,
    Discount,
    DiscountKind,
    Enrollment,
    FeePlanItem,
    LateFeePolicy,
    LateFeeRun,
    SchoolYear,
)
from fees.pricing import DiscountTerm, StackingRule, charges_due, discount_valid_in, price_period
from schools.models import School
from schools.services import school_cache_version_bump
from users.models import User

logger = structlog.get_logger(__name__)

MONTHS_ES = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)
_BATCH = 2000
# Columns of a new invoice the run does not decide (the rest come from the row dicts).
_INVOICE_DEFAULTS = {"cancel_reason": ""}


@dataclass
class BillingRunResult:
    period: str
    dry_run: bool
    students: int = 0
    invoices_created: int = 0
    lines_created: int = 0
    total_amount: Decimal = ZERO
    already_issued: int = 0
    credit_applied: Decimal = ZERO
    id: UUID | None = None
    # What the preview shows staff before they issue: each charge's and each discount's total
    # (by the line's description: "Colegiatura", "Beca"), discounts negative.
    totals_by_line: dict[str, Decimal] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def run_lock(name: str, school_id: UUID) -> None:
    """Serialise runs of one kind for one school: a PostgreSQL advisory lock held until commit, so
    a second run started at the same time waits, then reads what the first issued. (SQLite's
    IMMEDIATE transactions already serialise every write.)"""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"{name}:{school_id}".encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


# A version-4 UUID: clear the version and variant bits, then set version 4 and the RFC 4122 variant.
_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


_SYSTEM_UUID4 = uuid4


def new_ids(count: int) -> list[str]:
    """`count` random version-4 UUIDs as text, from one os.urandom call: what uuid.uuid4() gives,
    without a system call and a UUID object per row (a run makes one per invoice and per line).
    When the seed has put its seeded generator in place of this module's `uuid4`
    (demo.fee_seeding), the ids come from it, so a seed gives the same ids every time."""
    if uuid4 is not _SYSTEM_UUID4:
        return [str(uuid4()) for _ in range(count)]
    raw = os.urandom(16 * count)
    ids = []
    for start in range(0, 16 * count, 16):
        h = "%032x" % ((int.from_bytes(raw[start:start + 16], "big") & _V4_CLEAR) | _V4_SET)
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids


def rows_insert(model, rows: list[dict]) -> None:
    """Insert new rows (dicts of attribute names to values, ids and timestamps included) set-based:
    PostgreSQL's COPY, several times faster than multi-row INSERTs for tens of thousands of rows
    and with no model instance built; elsewhere bulk_create. No signal or save() runs, as with
    bulk_create. Columns left out take their database default."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=_BATCH)
        return
    names = list(rows[0])
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:  # noqa: S608
            for row in rows:
                copy.write_row([row[name] for name in names])


def ids_in(column: str, ids) -> Q | RawSQL:
    """`column IN ids` for thousands of ids: on PostgreSQL `column = ANY(%s)` with the ids as one
    array parameter (one placeholder: no per-id SQL to build, bind and parse; the planner still
    uses the column's index), elsewhere the ORM's IN. `column` is the model's own column."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return RawSQL(f"{column} = ANY(%s)", [ids], output_field=BooleanField())  # noqa: S611 - our column
    return Q(**{f"{column}__in": ids})


def _concepts_of_items(school_id: UUID, items: list[FeePlanItem]) -> dict:
    """The concept of each item (its own, or the school's default concept of its kind)."""
    concepts = {}
    for item in items:
        if item.concept_id is None:
            item.concept_id = fee_concept_default(school_id=school_id, kind=item.concept_kind).pk
        concepts[item.pk] = item.concept_id
    return concepts


def _period_label(period: Period) -> str:
    return f"{MONTHS_ES[period.month - 1]} {period.year}"


def billing_run_execute(
    *, school_id: UUID, period: Period, dry_run: bool = False, actor: User | None = None,
) -> BillingRunResult:
    """Issue (or, with `dry_run`, count and total without writing) the school's invoices for
    `period`. Past periods are accepted (schools load history).

    Locks: an advisory lock per school (a concurrent run waits, then finds everything issued),
    then the invoice sequence row, then the school row (cache version). The UNIQUE (student,
    concept, period) on plan-item lines backs the lock up. Idempotent and safe to retry.
    """
    started = time.monotonic()
    result = BillingRunResult(period=str(period), dry_run=dry_run)
    with transaction.atomic():
        if not dry_run:
            run_lock("billing_run", school_id)
        planned = _plan_invoices(school_id=school_id, period=period, result=result)
        if not dry_run and planned:
            _issue(school_id=school_id, planned=planned, actor=actor, result=result)
            school_cache_version_bump(school_ids=[school_id])
        if not dry_run:
            run = BillingRun.objects.create(
                school_id=school_id, period=str(period), created_by=actor, students=result.students,
                invoices_created=result.invoices_created, lines_created=result.lines_created,
                already_issued=result.already_issued, total_amount=result.total_amount,
                credit_applied=result.credit_applied, duration_ms=int((time.monotonic() - started) * 1000),
            )
            result.id = run.pk
    logger.info("billing_run.done", school_id=str(school_id),
                **{k: str(v) for k, v in result.as_dict().items()})
    return result


@dataclass
class _Planned:
    student_id: UUID
    family_id: UUID | None
    priced: object
    concepts: dict  # plan item id -> concept id


def _plan_invoices(*, school_id: UUID, period: Period, result: BillingRunResult) -> list[_Planned]:
    """Read everything the period needs in a few queries and price each student in memory."""
    years = {
        year.pk: year
        for year in SchoolYear.objects.filter(
            school_id=school_id, is_active=True, starts_on__lte=period.last_day, ends_on__gte=period.first_day
        )
    }
    if not years:
        return []
    enrollments = list(
        Enrollment.objects.filter(
            school_year_id__in=list(years), is_active=True, plan__is_active=True, student__is_active=True,
        # In student order: a run numbers its invoices the same way every time (the seed's promise).
        ).order_by("student_id").values_list(
            "student_id", "plan_id", "starts_on", "school_year_id", "student__family_id"
        )
    )
    holidays = {year_id: year.holiday_dates for year_id, year in years.items()}
    plan_ids = {plan_id for _, plan_id, _, _, _ in enrollments}
    items_by_plan = defaultdict(list)
    items = list(FeePlanItem.objects.filter(plan_id__in=plan_ids).order_by("plan_id", "position"))
    concept_of_item = _concepts_of_items(school_id, items)
    for item in items:
        items_by_plan[item.plan_id].append(item)

    student_ids = [row[0] for row in enrollments]
    family_ids = {row[4] for row in enrollments if row[4] is not None}
    discounts_by_student = defaultdict(list)
    discounts_by_family = defaultdict(list)
    # Labels once per run, not get_kind_display() per discount (a lazy translation each).
    kind_labels = {value: str(label) for value, label in DiscountKind.choices}
    valid = Q(valid_to__isnull=True) | Q(valid_to__gte=period.first_day)
    for pk, student_id, family_id, kind, concept_kinds, percent, amount, early_day, valid_from, valid_to in (
        Discount.objects.filter(valid, school_id=school_id, is_active=True, valid_from__lte=period.last_day)
        .filter(ids_in("student_id", student_ids) | ids_in("family_id", family_ids))
        .order_by().values_list("pk", "student_id", "family_id", "kind", "concept_kinds", "percent", "amount",
                                "early_payment_day", "valid_from", "valid_to")
    ):
        if not discount_valid_in(valid_from=valid_from, valid_to=valid_to, period=period):
            continue
        term = DiscountTerm(
            key=pk, kind=kind, concept_kinds=frozenset(concept_kinds),
            description=kind_labels.get(kind, kind), percent=percent, amount=amount,
            early_payment_day=early_day,
        )
        if student_id:
            discounts_by_student[student_id].append(term)
        else:
            discounts_by_family[family_id].append(term)

    # By student ids as one array: the lookup is the UNIQUE (student, concept, period) index
    # itself, whatever the planner's statistics say right after a large run.
    issued = set(
        InvoiceLine.objects.filter(ids_in("student_id", student_ids), period=str(period),
                                   source=LineSource.PLAN_ITEM)
        .order_by().values_list("student_id", "concept_id")
    )
    rules = {
        year_id: StackingRule(
            year.discount_stacking, year.discount_cap_percent, year.scholarship_excludes_early_payment
        )
        for year_id, year in years.items()
    }
    # Students of one plan who started on the same day owe the same charges, and those with no
    # discount the same invoice: each is worked out once (pure values, read and never changed).
    charges_of, undiscounted = {}, {}
    planned = []
    for student_id, plan_id, starts_on, year_id, family_id in enrollments:
        key = (plan_id, year_id, starts_on)
        if key not in charges_of:
            year = years[year_id]
            charges_of[key] = charges_due(
                items=items_by_plan[plan_id], period=period, year_starts_on=year.starts_on,
                year_ends_on=year.ends_on, billed_from=starts_on, holidays=holidays[year_id],
            )
        charges = charges_of[key]
        if not charges:
            continue
        fresh = [c for c in charges if (student_id, concept_of_item[c.key]) not in issued]
        if not fresh:
            result.already_issued += 1
            continue
        terms = discounts_by_student.get(student_id, []) + discounts_by_family.get(family_id, [])
        if terms or len(fresh) != len(charges):
            priced = price_period(charges=fresh, discounts=terms, rule=rules[year_id])
        else:
            if key not in undiscounted:
                undiscounted[key] = price_period(charges=fresh, discounts=(), rule=rules[year_id])
            priced = undiscounted[key]
        if priced is None:  # a 100 % beca: nothing to issue
            continue
        planned.append(_Planned(student_id, family_id, priced, concept_of_item))
        result.students += 1
        result.invoices_created += 1
        result.lines_created += len(priced.lines)
        result.total_amount += priced.amount
        totals = result.totals_by_line
        for line in priced.lines:
            totals[line.description] = totals.get(line.description, ZERO) + line.amount
    return planned


def _issue(*, school_id: UUID, planned: list[_Planned], actor: User | None, result: BillingRunResult) -> None:
    today = local_today()
    period = Period.parse(result.period)
    families = _families_with_credit_lock({entry.student_id: entry.family_id for entry in planned})
    numbers = document_numbers_next(
        school_id=school_id, kind=DocumentSequence.Kind.INVOICE, year=today.year, count=len(planned)
    )
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    invoices, lines = [], []
    ids = iter(new_ids(len(planned) + sum(len(entry.priced.lines) for entry in planned)))
    for entry, number in zip(planned, numbers, strict=True):
        priced = entry.priced
        invoice_id = next(ids)
        charge_lines = [line for line in priced.lines if line.discount_key is None]
        description = ", ".join(dict.fromkeys(line.description for line in charge_lines))
        label = _period_label(period)
        invoices.append(dict(
            surcharge_of_id=None, surcharge_tier=None,
            id=invoice_id, number=number, school_id=school_id, student_id=entry.student_id,
            amount=priced.amount, paid_amount=ZERO, due_date=priced.due_date,
            status=invoice_status_derive(
                amount=priced.amount, paid_amount=ZERO, due_date=priced.due_date, cancelled=False, today=today
            ),
            description=f"{description} {label}"[:255], created_by_id=actor_id,
            early_payment_until=priced.early_payment_until, early_payment_amount=priced.early_payment_amount,
            created_at=now, updated_at=now, **_INVOICE_DEFAULTS,
        ))
        for position, line in enumerate(priced.lines):
            is_discount = line.discount_key is not None
            lines.append(dict(
                id=next(ids), invoice_id=invoice_id, student_id=entry.student_id,
                concept_id=entry.concepts[line.item_key],
                description=line.description if is_discount else f"{line.description} {label}",
                amount=line.amount, period=result.period,
                source=LineSource.DISCOUNT if is_discount else LineSource.PLAN_ITEM,
                source_id=line.discount_key if is_discount else line.item_key, position=position,
                created_at=now, updated_at=now,
            ))
    rows_insert(Invoice, invoices)
    rows_insert(InvoiceLine, lines)
    result.credit_applied = _family_credit_apply(invoices, families)


def _families_with_credit_lock(family_of: dict[UUID, UUID | None]) -> dict[UUID, UUID]:
    """Lock the families (of these students: {student id: family id or None}) that have credit,
    in id order, and return {student id: family id} for their students.

    Taken before the invoice sequence: the lock order of every money write is family, invoices,
    sequence, school (issue 14), so a run and a family payment or invoice_create never deadlock.
    """
    families = {student: family for student, family in family_of.items() if family is not None}
    if not families:
        return {}
    # A family has credit while one of its live payments has an unallocated, unrefunded part.
    with_credit = set(
        Payment.objects.filter(
            ids_in("family_id", set(families.values())), is_reversed=False,
            allocated_amount__lt=F("amount") - F("refunded_amount"),
        ).order_by().values_list("family_id", flat=True).distinct()
    )
    for family_id in sorted(with_credit, key=str):
        family_lock(family_id)
    return {student: family for student, family in families.items() if family in with_credit}


def _family_credit_apply(invoices: list[dict], families: dict[UUID, UUID]) -> Decimal:
    """Pay the new invoices of families with credit from it, at once (billing's service)."""
    if not families:
        return ZERO
    by_family = defaultdict(list)
    for invoice in invoices:
        family_id = families.get(invoice["student_id"])
        if family_id is not None:
            by_family[family_id].append(invoice["id"])
    applied = ZERO
    for family_id, invoice_ids in by_family.items():
        for allocation in family_credit_apply(family_id=family_id, invoice_ids=invoice_ids):
            applied += allocation.amount
    return applied


def billing_run_all(*, period: Period, dry_run: bool = False, school_id: UUID | None = None,
                    actor: User | None = None) -> dict[UUID, BillingRunResult]:
    """Run every active school (or one), each in its own transaction."""
    schools = School.objects.filter(is_active=True).order_by("name")
    if school_id is not None:
        schools = schools.filter(pk=school_id)
    return {
        school.pk: billing_run_execute(school_id=school.pk, period=period, dry_run=dry_run, actor=actor)
        for school in schools
    }



# --- recargos -------------------------------------------------------------------------------

@dataclass
class LateFeeRunResult:
    as_of: date
    dry_run: bool
    surcharges_created: int = 0
    total_amount: Decimal = ZERO
    id: UUID | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def late_fee_run_execute(
    *, school_id: UUID, as_of: date | None = None, dry_run: bool = False, actor: User | None = None,
) -> LateFeeRunResult:
    """Charge each tier of the school's late-fee policy that an overdue invoice of a covered
    concept has reached by `as_of` (default today) and not been charged: one surcharge invoice
    per tier, linked to it (`surcharge_of`), never on a surcharge, never above the cap; an
    invoice paid (or credited) in full earns nothing more. Lateness is `as_of` against the due
    date, whatever the stored status.

    Locks: an advisory lock per school (two runs at once: the second waits, then finds the tiers
    charged), the invoice sequence, the school row. UNIQUE (surcharge_of, surcharge_tier) backs
    the lock up. Idempotent and safe to retry. Raises ValueError for a future `as_of`.
    """
    today = local_today()
    as_of = as_of or today
    if as_of > today:
        raise ValueError(f"as_of {as_of} is in the future (today is {today}).")
    started = time.monotonic()
    result = LateFeeRunResult(as_of=as_of, dry_run=dry_run)
    policy = LateFeePolicy.objects.filter(school_id=school_id, is_active=True).first()
    if policy is None:
        return result
    with transaction.atomic():
        if not dry_run:
            run_lock("late_fee_run", school_id)
        due = _surcharges_due(school_id=school_id, policy=policy, as_of=as_of)
        result.surcharges_created = len(due)
        result.total_amount = sum((amount for _, _, amount in due), ZERO)
        if dry_run:
            return result
        if due:
            _surcharges_issue(school_id=school_id, policy=policy, due=due, as_of=as_of, actor=actor)
            school_cache_version_bump(school_ids=[school_id])
        run = LateFeeRun.objects.create(
            school_id=school_id, as_of=as_of, created_by=actor, surcharges_created=result.surcharges_created,
            total_amount=result.total_amount, duration_ms=int((time.monotonic() - started) * 1000),
        )
        result.id = run.pk
    logger.info("late_fee_run.done", school_id=str(school_id), surcharges=result.surcharges_created,
                total=str(result.total_amount), as_of=str(as_of))
    return result


def _surcharges_due(*, school_id: UUID, policy: LateFeePolicy, as_of: date) -> list[tuple]:
    """((original id, student id, family id, number), tier index, amount) for every tier due, read
    in three queries."""
    tiers = tiers_from_json(policy.tiers)
    if not tiers:
        return []
    candidates = list(
        Invoice.objects.filter(
            open_q(), school_id=school_id, surcharge_of__isnull=True,
            due_date__lt=as_of - timedelta(days=policy.grace_days),
        ).order_by("number").values_list(
            "pk", "student_id", "student__family_id", "number", "amount", "due_date"
        )
    )
    # Only invoices with a line of a covered concept. Looked up by invoice id (one array), through
    # the lines' invoice index: no join for the planner to misjudge right after a large run.
    concept_ids = list(
        FeeConcept.objects.filter(school_id=school_id, kind__in=policy.concept_kinds)
        .values_list("pk", flat=True)
    )
    covered = set(
        InvoiceLine.objects.filter(ids_in("invoice_id", [row[0] for row in candidates]),
                                   concept_id__in=concept_ids)
        .order_by().values_list("invoice_id", flat=True)
    ) if candidates else set()
    candidates = [row for row in candidates if row[0] in covered]
    if not candidates:
        return []
    taken = defaultdict(set)
    charged = defaultdict(lambda: ZERO)
    for original_id, tier, amount, status in Invoice.objects.filter(
        ids_in("surcharge_of_id", [row[0] for row in candidates])
    ).order_by().values_list("surcharge_of_id", "surcharge_tier", "amount", "status"):
        taken[original_id].add(tier)
        if status != InvoiceStatus.CANCELLED:
            charged[original_id] += amount
    due = []
    for pk, student_id, family_id, number, amount, due_date in candidates:
        for tier, surcharge in surcharges_due(
            invoice_amount=amount, due_date=due_date, as_of=as_of, grace_days=policy.grace_days, tiers=tiers,
            cap=policy.cap, taken_slots=taken[pk], charged_total=charged[pk],
        ):
            due.append(((pk, student_id, family_id, number), tier, surcharge))
    return due


def _surcharges_issue(*, school_id: UUID, policy: LateFeePolicy, due: list[tuple], as_of: date,
                      actor: User | None) -> None:
    concept = fee_concept_default(school_id=school_id, kind=ConceptKind.SURCHARGE)
    tiers = tiers_from_json(policy.tiers)
    families = _families_with_credit_lock({student: family for (_, student, family, _), _, _ in due})
    today = local_today()
    numbers = document_numbers_next(
        school_id=school_id, kind=DocumentSequence.Kind.INVOICE, year=today.year, count=len(due)
    )
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    invoices, lines = [], []
    ids = iter(new_ids(2 * len(due)))
    for ((original_id, student_id, _, original_number), tier, amount), number in zip(
        due, numbers, strict=True
    ):
        invoice_id = next(ids)
        description = f"Recargo {original_number} ({tiers[tier].from_day} días)"
        invoices.append(dict(
            id=invoice_id, number=number, school_id=school_id, student_id=student_id, amount=amount,
            paid_amount=ZERO, due_date=as_of, description=description, early_payment_until=None,
            early_payment_amount=None, **_INVOICE_DEFAULTS,
            status=invoice_status_derive(amount=amount, paid_amount=ZERO, due_date=as_of, cancelled=False,
                                         today=today),
            created_by_id=actor_id, surcharge_of_id=original_id, surcharge_tier=tier, created_at=now,
            updated_at=now,
        ))
        lines.append(dict(
            id=next(ids), invoice_id=invoice_id, student_id=student_id, concept_id=concept.pk,
            description=description, amount=amount, period=None, source=LineSource.LATE_FEE,
            source_id=policy.pk, position=0, created_at=now, updated_at=now,
        ))
    rows_insert(Invoice, invoices)
    rows_insert(InvoiceLine, lines)
    _family_credit_apply(invoices, families)


def late_fee_run_all(*, as_of: date | None = None, dry_run: bool = False, school_id: UUID | None = None,
                     actor: User | None = None) -> dict[UUID, LateFeeRunResult]:
    """Every active school with an active policy (or one school), each in its own transaction.
    Raises ValueError for a future `as_of`."""
    if as_of is not None and as_of > local_today():
        raise ValueError(f"as_of {as_of} is in the future (today is {local_today()}).")
    school_ids = LateFeePolicy.objects.filter(is_active=True, school__is_active=True).values_list(
        "school_id", flat=True
    )
    if school_id is not None:
        school_ids = school_ids.filter(school_id=school_id)
    return {
        sid: late_fee_run_execute(school_id=sid, as_of=as_of, dry_run=dry_run, actor=actor)
        for sid in list(school_ids)
    }
