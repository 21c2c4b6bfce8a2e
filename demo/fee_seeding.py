"""The seed's fee setup, billing runs and recargos: the demo's invoices are issued the way a
school issues them (DESIGN-CYCLE.md, "Fee plans and the monthly run"), not typed in.

Per school: a school year (August to July) for every seeded month and the current one, with the
school's stacking rule and holidays; a fee plan per level with inscripción (ONCE, due on the
10th of August) and colegiatura (MONTHLY on the 10th, in 10, 11 or 12 payments); every student
enrolled (those who joined mid-year from the month they joined); becas of 25 % or 50 %, a 10 %
sibling discount for the second and third child of a family, pronto pago (5 % when paid by the
10th) for every family; a late-fee policy. The setup goes through fees.services where a row is
written one at a time, and set-based (bulk_create) where there are thousands. Then the billing
run (fees.runs.billing_run_execute, the service behind `generate_invoices`) issues every seeded
month, and after the payments the late-fee run charges the recargos due on the seed day; one
recargo per school is waived.

Deterministic: the rows these services create take their ids from seeded generators (see
seeded_ids), and everything is issued in a fixed order, so the same seed on the same day gives
the same ids and numbers.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

import fees.runs
from billing.concepts import ConceptKind, fee_concept_default
from billing.models import FeeConcept, Invoice, InvoiceStatus
from billing.surcharges import surcharge_waive
from fees import services
from fees.calendar import Period
from fees.models import (
    BillingRun,
    Discount,
    DiscountKind,
    Enrollment,
    FeePlan,
    FeePlanItem,
    LateFeePolicy,
    LateFeeRun,
    SchoolYear,
)
from fees.runs import billing_run_execute, late_fee_run_execute
from students.models import Student

DUE_DAY = 10
EARLY_PAYMENT_DAY = 10  # pronto pago: paid by the 10th
EARLY_PAYMENT_PERCENT = 5
SIBLING_PERCENT = 10
# Calendar months of the colegiatura, in school-year order, by number of payments.
TUITION_MONTHS = {
    12: [8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7],
    11: [8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6],
    10: [9, 10, 11, 12, 1, 2, 3, 4, 5, 6],
}
LATE_FEE_TIERS = [{"from_day": 10, "amount": Decimal("250.00")}, {"from_day": 40, "percent": 5}]
LATE_FEE_GRACE_DAYS = 5
LATE_FEE_CAP = Decimal("600.00")
# The invoices of a month arrive a month before they are due; so is the month's run recorded.
RUN_DAYS_BEFORE_DUE = 30


@dataclass
class Pupil:
    """What the seed drew for a student: their plan's level, beca, start and paying habit."""

    id: str
    grade: str
    level: str
    enrolled: date
    scholarship: int | None
    outcomes: object  # demo.seeding._Weighted over the payment outcomes
    method: str


@dataclass
class FeeSeedSummary:
    school_years: int = 0
    plans: int = 0
    enrollments: int = 0
    scholarships: int = 0
    sibling_discounts: int = 0
    early_payment_families: int = 0
    runs: int = 0
    run_invoices: int = 0
    runs_seconds: float = 0.0
    recargos: int = 0
    recargos_waived: int = 0


# Every model whose rows the fee services create with a default (uuid4) id.
_MODELS = (SchoolYear, FeePlan, FeePlanItem, Enrollment, Discount, LateFeePolicy, FeeConcept, BillingRun,
           LateFeeRun, Invoice)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@contextmanager
def seeded_ids(rng: random.Random):
    """Ids from the seeded generator, not uuid4(), for the rows the fee services and the runs
    create: the models' default ids, and the invoice and line ids fees.runs draws itself (its
    module-level uuid4). Restores both afterwards. The seed runs in one thread; nothing else runs
    a billing run in this process meanwhile."""
    fields = [model._meta.pk for model in _MODELS]
    saved = [(f, f.default) for f in fields]
    saved_uuid4 = fees.runs.uuid4
    try:
        for f in fields:
            f.default = lambda: _uuid(rng)
            f.__dict__.pop("_get_default", None)  # Field caches its default callable
        fees.runs.uuid4 = lambda: _uuid(rng)
        yield
    finally:
        fees.runs.uuid4 = saved_uuid4
        for f, default in saved:
            f.default = default
            f.__dict__.pop("_get_default", None)


def school_years_for(*, periods: list[tuple[int, int]], today: date) -> list[int]:
    """The first calendar year of each school year (August to July) the seeded months fall in,
    and of the current one."""
    starts = {year if month >= 8 else year - 1 for year, month in periods}
    starts.add(today.year if today.month >= 8 else today.year - 1)
    return sorted(starts)


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def _holidays(start: int) -> list[date]:
    """Mexico's official rest days within a school year (Ley Federal del Trabajo, art. 74)."""
    return [date(start, 9, 16), _nth_monday(start, 11, 3), date(start, 12, 25), date(start + 1, 1, 1),
            _nth_monday(start + 1, 2, 1), _nth_monday(start + 1, 3, 3), date(start + 1, 5, 1)]


def fee_setup_seed(rows, *, years: list[int], seed: int, index: int, summary: FeeSeedSummary) -> None:
    """A school's fee concepts, school years, plans, enrollments, discounts and late-fee policy.
    `rows` is the school as demo.seeding drew it; its students and families are written."""
    rng = random.Random(f"billing-seed:{seed}:{index}:fees")
    school_id = rows.school[0]
    stacking, cap = rows.stacking
    with seeded_ids(rng):
        for kind in (ConceptKind.TUITION, ConceptKind.ENROLLMENT, ConceptKind.SURCHARGE):
            fee_concept_default(school_id=school_id, kind=kind)
        plans: dict[tuple[int, str], FeePlan] = {}
        school_years = []
        for start in years:
            year = services.school_year_create(
                school_id=school_id, name=f"{start}-{start + 1}", starts_on=date(start, 8, 1),
                ends_on=date(start + 1, 7, 31), discount_stacking=stacking, discount_cap_percent=cap,
                scholarship_excludes_early_payment=True, holidays=_holidays(start),
            )
            school_years.append(year)
            for level, grades, tuition_cents, payments in rows.levels:
                tuition = Decimal(tuition_cents).scaleb(-2)
                plans[(start, level)] = services.fee_plan_create(
                    school_year_id=year.pk, name=f"{level} {year.name}", grades=grades, items=[
                        {"concept_kind": ConceptKind.ENROLLMENT, "description": "Inscripción",
                         "amount": tuition, "schedule": "ONCE", "due_date": date(start, 8, DUE_DAY)},
                        {"concept_kind": ConceptKind.TUITION, "description": "Colegiatura",
                         "amount": tuition, "schedule": "MONTHLY", "months": TUITION_MONTHS[payments],
                         "due_day": DUE_DAY},
                    ],
                )
        enrollments = []
        for year in school_years:
            for pupil in rows.pupils:
                if pupil.enrolled > year.ends_on:
                    continue
                enrollments.append(Enrollment(
                    school_id=school_id, school_year=year, student_id=pupil.id,
                    plan=plans[(year.starts_on.year, pupil.level)],
                    # Mid-year students are billed from the month they joined, never before.
                    starts_on=max(year.starts_on, pupil.enrolled),
                ))
        Enrollment.objects.bulk_create(enrollments, batch_size=2000)

        first_day = school_years[0].starts_on
        discounts = [
            Discount(school_id=school_id, student_id=pupil.id, kind=DiscountKind.SCHOLARSHIP,
                     percent=pupil.scholarship, concept_kinds=[ConceptKind.TUITION], valid_from=first_day,
                     reason=f"Beca académica del {pupil.scholarship} %")
            for pupil in rows.pupils if pupil.scholarship
        ]
        summary.scholarships += len(discounts)
        children = defaultdict(list)
        for student_id, family_id in (
            Student.objects.filter(school_id=school_id, family__isnull=False).order_by("enrolled_at", "id")
            .values_list("pk", "family_id")
        ):
            children[family_id].append(student_id)
        for family_id in sorted(children, key=str):
            # The eldest (first enrolled) pays in full; the younger siblings get the discount.
            for student_id in children[family_id][1:]:
                discounts.append(Discount(
                    school_id=school_id, student_id=student_id, kind=DiscountKind.SIBLING,
                    percent=SIBLING_PERCENT, concept_kinds=[ConceptKind.TUITION], valid_from=first_day,
                    reason="Descuento por hermanos",
                ))
                summary.sibling_discounts += 1
            discounts.append(Discount(
                school_id=school_id, family_id=family_id, kind=DiscountKind.EARLY_PAYMENT,
                percent=EARLY_PAYMENT_PERCENT, concept_kinds=[ConceptKind.TUITION], valid_from=first_day,
                early_payment_day=EARLY_PAYMENT_DAY, reason=f"Pronto pago: pagando a más tardar el día "
                                                           f"{EARLY_PAYMENT_DAY}",
            ))
            summary.early_payment_families += 1
        Discount.objects.bulk_create(discounts, batch_size=2000)
        services.late_fee_policy_create(
            school_id=school_id, grace_days=LATE_FEE_GRACE_DAYS, tiers=LATE_FEE_TIERS, cap=LATE_FEE_CAP,
            concept_kinds=[ConceptKind.TUITION],
        )
    summary.school_years += len(school_years)
    summary.plans += len(plans)
    summary.enrollments += len(enrollments)


def _issued_at(period: Period) -> datetime:
    """When the month's invoices went out (a month before they are due, 14:00 UTC), never later
    than now."""
    day = period.day(DUE_DAY) - timedelta(days=RUN_DAYS_BEFORE_DUE)
    return min(datetime(day.year, day.month, day.day, 14, tzinfo=UTC), timezone.now())


def billing_runs_seed(school_ids, *, periods: list[tuple[int, int]], seed: int,
                      summary: FeeSeedSummary) -> None:
    """Every seeded month's billing run, school by school, month by month, as the service that
    `generate_invoices` calls; each run recorded on the day its invoices went out."""
    started = timezone.now()
    for index, school_id in enumerate(school_ids):
        rng = random.Random(f"billing-seed:{seed}:{index}:runs")
        with seeded_ids(rng):
            for year, month in periods:
                period = Period(year, month)
                result = billing_run_execute(school_id=school_id, period=period)
                BillingRun.objects.filter(pk=result.id).update(created_at=_issued_at(period))
                summary.runs += 1
                summary.run_invoices += result.invoices_created
    summary.runs_seconds += (timezone.now() - started).total_seconds()


def late_fees_seed(school_ids, *, today: date, seed: int, summary: FeeSeedSummary) -> None:
    """The recargos due on the seed day (what is still unpaid), by the late-fee run; then one
    recargo per school waived by the school, with its reason."""
    for index, school_id in enumerate(school_ids):
        rng = random.Random(f"billing-seed:{seed}:{index}:late-fees")
        with seeded_ids(rng):
            result = late_fee_run_execute(school_id=school_id, as_of=today)
        summary.recargos += result.surcharges_created
        waived = (
            Invoice.objects.filter(school_id=school_id, surcharge_of__isnull=False)
            .exclude(status=InvoiceStatus.CANCELLED).order_by("number").first()
        )
        if waived is not None:
            surcharge_waive(invoice_id=waived.pk, reason="Condonado: la familia pagó con cheque y el "
                                                         "banco lo acreditó tarde")
            summary.recargos_waived += 1
