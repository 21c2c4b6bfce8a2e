"""What a month's billing should come to: every active enrollment priced by its plan's items due
in the month and its discounts, by the same rules as the billing run (fees.pricing), without
looking at what was issued. The dashboard sets it beside what the runs did issue: a gap is a
month not run yet, a student enrolled after the run, an invoice cancelled, a discount granted
late.

Three queries whatever the number of students (enrollments with their school years, the plans'
items, the discounts valid in the month); the pricing runs in memory.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.db.models import Q

from core.money import ZERO
from fees.calendar import Period
from fees.models import Discount, Enrollment, FeePlanItem
from fees.pricing import DiscountTerm, StackingRule, charges_due, discount_valid_in, price_period


@dataclass(frozen=True)
class ExpectedBilling:
    period: Period
    amount: Decimal = ZERO  # what the invoices should add up to (lines net of discounts)
    invoices: int = 0  # students with something to pay in the month
    enrollments: int = 0  # active enrollments in a school year covering the month


def expected_billing(*, school_ids: list[UUID] | None, period: Period) -> ExpectedBilling:
    """The month's expected billing for these schools (None: every school)."""
    enrollments = Enrollment.objects.filter(
        is_active=True, plan__is_active=True, student__is_active=True, school_year__is_active=True,
        school_year__starts_on__lte=period.last_day, school_year__ends_on__gte=period.first_day,
    )
    discounts = Discount.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=period.first_day),
        is_active=True, valid_from__lte=period.last_day,
    )
    if school_ids is not None:
        enrollments = enrollments.filter(school_id__in=school_ids)
        discounts = discounts.filter(school_id__in=school_ids)
    rows = list(enrollments.order_by().values_list(
        "student_id", "plan_id", "starts_on", "student__family_id", "school_year__starts_on",
        "school_year__ends_on", "school_year__holidays", "school_year__discount_stacking",
        "school_year__discount_cap_percent", "school_year__scholarship_excludes_early_payment",
    ))
    if not rows:
        return ExpectedBilling(period=period)
    items_by_plan = defaultdict(list)
    items = FeePlanItem.objects.filter(plan_id__in={row[1] for row in rows}).order_by("plan_id", "position")
    for item in items:
        items_by_plan[item.plan_id].append(item)
    by_student, by_family = defaultdict(list), defaultdict(list)
    for discount in discounts.order_by("pk"):
        if not discount_valid_in(valid_from=discount.valid_from, valid_to=discount.valid_to, period=period):
            continue
        term = DiscountTerm(
            key=discount.pk, kind=discount.kind, concept_kinds=frozenset(discount.concept_kinds),
            percent=discount.percent, amount=discount.amount, early_payment_day=discount.early_payment_day,
        )
        if discount.student_id:
            by_student[discount.student_id].append(term)
        else:
            by_family[discount.family_id].append(term)

    amount, invoices = ZERO, 0
    for (student_id, plan_id, starts_on, family_id, year_start, year_end, holidays, stacking, cap,
         excludes_early) in rows:
        charges = charges_due(
            items=items_by_plan[plan_id], period=period, year_starts_on=year_start, year_ends_on=year_end,
            billed_from=starts_on, holidays=frozenset(_dates(holidays)),
        )
        if not charges:
            continue
        priced = price_period(
            charges=charges, discounts=by_student.get(student_id, []) + by_family.get(family_id, []),
            rule=StackingRule(stacking, cap, excludes_early),
        )
        if priced is not None:
            amount += priced.amount
            invoices += 1
    return ExpectedBilling(period=period, amount=amount, invoices=invoices, enrollments=len(rows))


def _dates(values):
    return (date.fromisoformat(value) for value in values or [])
