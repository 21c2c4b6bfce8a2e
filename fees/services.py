"""Writes of the fee setup: school years, fee plans and items, enrollments, discounts, late-fee
policies. Each is one transaction. None of them touches money owed (invoices come from the billing
run), so none bumps the school's cache version.

The caller (API view, admin) has checked the role in the school; these check the rules: rows of
one school year and one school stay together, a student is enrolled once per school year, and
what the database also guards (CHECK and UNIQUE constraints) is refused here first with a 400 or
409 that names the field.
"""

from datetime import date
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from billing.concepts import ConceptKind, fee_concept_default
from billing.models import FeeConcept
from core.money import MAX_AMOUNT, ZERO, to_money
from core.rows import row_get
from core.unchanged import UNCHANGED, Unchanged, changes_apply, fixed_field_check, given
from families.models import Family
from fees.calendar import school_year_periods
from fees.exceptions import (
    AlreadyEnrolled,
    DuplicateName,
    InactiveFeeSetup,
    LateFeePolicyExists,
    StudentNotBillable,
)
from fees.models import (
    Discount,
    DiscountKind,
    DiscountStacking,
    Enrollment,
    FeePlan,
    FeePlanItem,
    LateFeePolicy,
    Schedule,
    SchoolYear,
)
from schools.exceptions import SchoolInactive
from schools.models import School
from students.models import Student
from users.models import User

# Recargos come from late-fee policies, never from a plan or a discount.
CHARGEABLE_KINDS = [kind for kind in ConceptKind.values if kind != ConceptKind.SURCHARGE]


def _concept_kinds(kinds, field: str) -> list[str]:
    kinds = list(dict.fromkeys(kinds or []))
    unknown = [kind for kind in kinds if kind not in CHARGEABLE_KINDS]
    if not kinds or unknown:
        raise ValidationError(
            {
                field: [
                    gettext_lazy("List one or more of %(choices)s.")
                    % {"choices": ", ".join(CHARGEABLE_KINDS)}
                ]
            }
        )
    return kinds


def _money(value, field: str, *, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    amount = to_money(value) if value is not None else None
    if amount is None or amount <= ZERO or amount > MAX_AMOUNT:
        raise ValidationError(
            {
                field: [
                    gettext_lazy("Must be greater than 0 and at most %(MAX_AMOUNT)s.")
                    % {"MAX_AMOUNT": MAX_AMOUNT}
                ]
            }
        )
    return amount


# --- school years ---------------------------------------------------------------------------



def _school_year_check(year: SchoolYear) -> None:
    if year.ends_on <= year.starts_on:
        raise ValidationError({"ends_on": [gettext_lazy("Must be after starts_on.")]})
    if (year.ends_on - year.starts_on).days > 400:
        raise ValidationError({"ends_on": [gettext_lazy("A school year spans at most 13 months.")]})
    if year.discount_stacking not in DiscountStacking.values:
        raise ValidationError(
            {
                "discount_stacking": [
                    gettext_lazy("One of %(choices)s.") % {"choices": ", ".join(DiscountStacking.values)}
                ]
            }
        )
    if not 0 <= year.discount_cap_percent <= 100:
        raise ValidationError({"discount_cap_percent": [gettext_lazy("A whole number from 0 to 100.")]})
    year.holidays = sorted({day.isoformat() if isinstance(day, date) else str(day) for day in year.holidays})
    for plan in year.plans.all() if year.pk and not year._state.adding else []:
        for item in plan.items.all():
            _item_check(item, year)


def _save_unique(row, *, name_field: str = "name", **save_kwargs) -> None:
    """Save; a duplicate name (UNIQUE) is a 409 naming the field, and the transaction goes on."""
    try:
        with transaction.atomic():
            row.save(**save_kwargs)
    except IntegrityError as error:
        if "unique" not in str(error).lower():
            raise
        raise DuplicateName(fields={name_field: [gettext_lazy("Already used.")]}) from None


@transaction.atomic
def school_year_create(
    *, school_id: UUID, name: str, starts_on: date, ends_on: date,
    discount_stacking: str = DiscountStacking.SUM_CAPPED, discount_cap_percent: int = 100,
    scholarship_excludes_early_payment: bool = True, holidays: list[date] | None = None,
    actor: User | None = None,
) -> SchoolYear:
    """Open a school year. Raises SchoolInactive (409), DuplicateName (409), ValidationError."""
    if not School.objects.filter(pk=school_id, is_active=True).exists():
        raise SchoolInactive(gettext_lazy("This school is inactive."))
    year = SchoolYear(
        school_id=school_id, name=name, starts_on=starts_on, ends_on=ends_on,
        discount_stacking=discount_stacking, discount_cap_percent=discount_cap_percent,
        scholarship_excludes_early_payment=scholarship_excludes_early_payment, holidays=holidays or [],
    )
    _school_year_check(year)
    _save_unique(year, force_insert=True)
    return year


@transaction.atomic
def school_year_update(
    *,
    school_year_id: UUID,
    actor: User | None = None,
    school_id: UUID | None = None,
    name: str | Unchanged = UNCHANGED,
    starts_on: date | Unchanged = UNCHANGED,
    ends_on: date | Unchanged = UNCHANGED,
    discount_stacking: str | Unchanged = UNCHANGED,
    discount_cap_percent: int | None | Unchanged = UNCHANGED,
    scholarship_excludes_early_payment: bool | Unchanged = UNCHANGED,
    holidays: list[date] | Unchanged = UNCHANGED,
    is_active: bool | Unchanged = UNCHANGED,
) -> SchoolYear:
    """Change a school year; only the fields given change (`school_id`: an echo of its own school
    only). Its plans' items must still fall within it. Locks the row. Raises NotFound,
    DuplicateName, ValidationError. Safe to retry."""
    changes = given(
        name=name, starts_on=starts_on, ends_on=ends_on, discount_stacking=discount_stacking,
        discount_cap_percent=discount_cap_percent,
        scholarship_excludes_early_payment=scholarship_excludes_early_payment, holidays=holidays,
        is_active=is_active,
    )
    year = row_get(SchoolYear, school_year_id, lock=True)
    fixed_field_check(year, "school_id", school_id, gettext_lazy("A school year never changes school."))
    changes_apply(year, changes)
    _school_year_check(year)
    _save_unique(year)
    return year


def school_year_deactivate(*, school_year_id: UUID, actor: User | None = None) -> SchoolYear:
    """Soft delete: no run bills a deactivated year again; what it issued stays."""
    return school_year_update(school_year_id=school_year_id, is_active=False, actor=actor)


# --- fee plans ------------------------------------------------------------------------------

def _item_check(item: FeePlanItem, year: SchoolYear) -> None:
    """An item of a plan: a chargeable concept kind, an amount, and a schedule within the year."""
    if item.concept_kind not in CHARGEABLE_KINDS:
        raise ValidationError(
            {
                "items": [
                    gettext_lazy("concept_kind: one of %(choices)s.")
                    % {"choices": ", ".join(CHARGEABLE_KINDS)}
                ]
            }
        )
    if item.schedule == Schedule.ONCE:
        if item.due_date is None or item.months or item.due_day is not None:
            raise ValidationError(
                {"items": [gettext_lazy("A ONCE item has a due_date, and no months or due_day.")]}
            )
        if not year.starts_on <= item.due_date <= year.ends_on:
            raise ValidationError(
                {
                    "items": [
                        gettext_lazy("due_date %(due_date)s is outside the school year %(name)s.")
                        % {"due_date": item.due_date, "name": year.name}
                    ]
                }
            )
    elif item.schedule == Schedule.MONTHLY:
        if item.due_date is not None or not item.months or item.due_day is None:
            raise ValidationError(
                {"items": [gettext_lazy("A MONTHLY item has months and a due_day, and no due_date.")]}
            )
        if not 1 <= item.due_day <= 31:
            raise ValidationError({"items": [gettext_lazy("due_day: from 1 to 31.")]})
        months = list(item.months)
        if len(set(months)) != len(months) or any(not isinstance(m, int) or not 1 <= m <= 12 for m in months):
            raise ValidationError({"items": [gettext_lazy("months: distinct calendar months, 1 to 12.")]})
        year_months = [period.month for period in school_year_periods(year.starts_on, year.ends_on)]
        outside = [month for month in months if month not in year_months]
        if outside:
            raise ValidationError(
                {
                    "items": [
                        gettext_lazy("months %(outside)s fall outside the school year %(name)s.")
                        % {"outside": outside, "name": year.name}
                    ]
                }
            )
        # Keep them in school-year order (September before January).
        item.months = sorted(months, key=year_months.index)
    else:
        raise ValidationError(
            {
                "items": [
                    gettext_lazy("schedule: one of %(choices)s.") % {"choices": ", ".join(Schedule.values)}
                ]
            }
        )


def _item_concept(school_id: UUID, spec: dict):
    """The item's concept: the one named by `concept_id` (of this school, not a recargo), or the
    school's default concept of `concept_kind`."""
    concept_id = spec.get("concept_id")
    if concept_id is None:
        kind = spec.get("concept_kind")
        return fee_concept_default(school_id=school_id, kind=kind) if kind in CHARGEABLE_KINDS else None
    concept = FeeConcept.objects.filter(pk=concept_id, school_id=school_id, is_active=True).first()
    if concept is None or concept.kind not in CHARGEABLE_KINDS:
        raise ValidationError(
            {
                "items": [
                    gettext_lazy(
                        "concept_id %(concept_id)s: no active concept of this school "
                        "(recargos come from late-fee policies)."
                    )
                    % {"concept_id": concept_id}
                ]
            }
        )
    return concept


def _items_build(plan: FeePlan, items: list[dict], year: SchoolYear) -> list[FeePlanItem]:
    built = []
    for position, spec in enumerate(items):
        concept = _item_concept(plan.school_id, spec)
        kind = concept.kind if concept is not None else spec.get("concept_kind")
        description = (spec.get("description") or "").strip()
        if not description and kind in ConceptKind.values:
            description = str(ConceptKind(kind).label)
        item = FeePlanItem(
            plan=plan, position=position, concept=concept, concept_kind=kind, description=description[:100],
            amount=_money(spec.get("amount"), "items"), schedule=spec.get("schedule"),
            due_date=spec.get("due_date"), months=list(spec.get("months") or []), due_day=spec.get("due_day"),
        )
        _item_check(item, year)
        built.append(item)
    if not built:
        raise ValidationError({"items": [gettext_lazy("A plan has at least one item.")]})
    return built


@transaction.atomic
def fee_plan_create(
    *, school_year_id: UUID, name: str, items: list[dict], grades: list[str] | None = None,
    actor: User | None = None,
) -> FeePlan:
    """A plan with its items. Raises InactiveFeeSetup (409) for an inactive school year,
    DuplicateName (409), ValidationError (items outside the year, bad schedule)."""
    year = row_get(SchoolYear, school_year_id)
    if not year.is_active:
        raise InactiveFeeSetup(gettext_lazy("This school year is inactive."))
    plan = FeePlan(school_id=year.school_id, school_year=year, name=name, grades=_grades(grades))
    built = _items_build(plan, items, year)
    _save_unique(plan, force_insert=True)
    FeePlanItem.objects.bulk_create(built)
    return plan


def _grades(grades) -> list[str]:
    return list(dict.fromkeys(str(grade).strip() for grade in grades or [] if str(grade).strip()))


@transaction.atomic
def fee_plan_update(
    *, plan_id: UUID, name: str | None = None, grades: list[str] | None = None,
    items: list[dict] | None = None, is_active: bool | None = None,
    school_year_id: UUID | None = None, actor: User | None = None,
) -> FeePlan:
    """Change a plan; `items`, when given, replace its items. What was already invoiced stays as
    issued: invoices copy their lines. Locks the plan row. Raises NotFound, DuplicateName,
    ValidationError (a plan never moves to another school year). Safe to retry."""
    plan = row_get(FeePlan, plan_id, lock=True)
    fixed_field_check(plan, "school_year_id", school_year_id,
                      gettext_lazy("A plan never moves to another school year."))
    if name is not None:
        plan.name = name
    if grades is not None:
        plan.grades = _grades(grades)
    if is_active is not None:
        plan.is_active = is_active
    _save_unique(plan)
    if items is not None:
        built = _items_build(plan, items, plan.school_year)
        plan.items.all().delete()
        FeePlanItem.objects.bulk_create(built)
    return plan


def fee_plan_deactivate(*, plan_id: UUID, actor: User | None = None) -> FeePlan:
    """Soft delete: its enrollments are no longer billed; what was issued stays."""
    return fee_plan_update(plan_id=plan_id, is_active=False, actor=actor)


# --- enrollments ----------------------------------------------------------------------------

def _enrollment_start(year: SchoolYear, starts_on: date | None) -> date:
    starts_on = starts_on or year.starts_on
    if not year.starts_on <= starts_on <= year.ends_on:
        raise ValidationError(
            {"starts_on": [gettext_lazy("Must fall within the school year %(name)s.") % {"name": year.name}]}
        )
    return starts_on


@transaction.atomic
def enrollment_create(
    *, student_id: UUID, plan_id: UUID, starts_on: date | None = None, actor: User | None = None
) -> Enrollment:
    """Enroll a student in a plan for its school year; billed from `starts_on`'s month (default:
    the year's start). Raises NotFound, StudentNotBillable / InactiveFeeSetup / AlreadyEnrolled
    (409), ValidationError (plan of another school, start outside the year). Not idempotent: a
    second call is a 409, which is safe to ignore."""
    student = row_get(Student, student_id)
    plan = row_get(FeePlan.objects.select_related("school_year"), plan_id)
    if plan.school_id != student.school_id:
        raise ValidationError({"plan_id": [gettext_lazy("The plan belongs to another school.")]})
    if not student.is_active:
        raise StudentNotBillable()
    if not plan.is_active or not plan.school_year.is_active:
        raise InactiveFeeSetup()
    enrollment = Enrollment(
        school_id=plan.school_id, school_year_id=plan.school_year_id, student=student, plan=plan,
        starts_on=_enrollment_start(plan.school_year, starts_on),
    )
    try:
        with transaction.atomic():
            enrollment.save(force_insert=True)
    except IntegrityError:
        raise AlreadyEnrolled() from None
    return enrollment


@transaction.atomic
def enrollment_update(
    *, enrollment_id: UUID, plan_id: UUID | None = None, starts_on: date | None = None,
    is_active: bool | None = None, student_id: UUID | None = None, actor: User | None = None,
) -> Enrollment:
    """Move an enrollment to another plan of the same school year, change its start or
    (de)activate it. Locks the row. Raises NotFound, ValidationError. Safe to retry."""
    enrollment = row_get(
        Enrollment.objects.select_for_update(of=("self",)).select_related("school_year"), enrollment_id
    )
    fixed_field_check(enrollment, "student_id", student_id,
                      gettext_lazy("An enrollment never changes student."))
    if plan_id is not None and plan_id != enrollment.plan_id:
        plan = FeePlan.objects.filter(pk=plan_id, school_year_id=enrollment.school_year_id).first()
        if plan is None:
            raise ValidationError({"plan_id": [gettext_lazy("Choose a plan of the same school year.")]})
        enrollment.plan = plan
    if starts_on is not None:
        enrollment.starts_on = _enrollment_start(enrollment.school_year, starts_on)
    if is_active is not None:
        enrollment.is_active = is_active
    enrollment.save(update_fields=["plan", "starts_on", "is_active", "updated_at"])
    return enrollment


def enrollment_deactivate(*, enrollment_id: UUID, actor: User | None = None) -> Enrollment:
    """Withdraw a student from a plan: no later run bills them; what was issued stays."""
    return enrollment_update(enrollment_id=enrollment_id, is_active=False, actor=actor)


@transaction.atomic
def enrollments_create_by_grade(
    *, plan_id: UUID, grade: str, starts_on: date | None = None, actor: User | None = None
) -> dict:
    """Enroll in one go every active student of the plan's school in `grade` who has no plan
    in that school year yet. Set-based (one insert); those already enrolled are skipped, so it is
    safe to repeat. Returns {"enrolled", "already_enrolled"}. Raises NotFound, InactiveFeeSetup."""
    plan = row_get(FeePlan.objects.select_related("school_year"), plan_id)
    if not plan.is_active or not plan.school_year.is_active:
        raise InactiveFeeSetup()
    start = _enrollment_start(plan.school_year, starts_on)
    students = Student.objects.filter(school_id=plan.school_id, is_active=True, grade__iexact=grade.strip())
    enrolled = set(
        Enrollment.objects.filter(school_year_id=plan.school_year_id, student__in=students).values_list(
            "student_id", flat=True
        )
    )
    new = [
        Enrollment(
            school_id=plan.school_id, school_year_id=plan.school_year_id, student_id=student_id,
            plan=plan, starts_on=start,
        )
        for student_id in students.values_list("pk", flat=True)
        if student_id not in enrolled
    ]
    # ignore_conflicts: a concurrent enrollment of the same student is skipped, not an error.
    Enrollment.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    return {"enrolled": len(new), "already_enrolled": len(enrolled)}


# --- discounts ------------------------------------------------------------------------------



def _discount_check(discount: Discount) -> None:
    if discount.kind not in DiscountKind.values:
        raise ValidationError(
            {"kind": [gettext_lazy("One of %(choices)s.") % {"choices": ", ".join(DiscountKind.values)}]}
        )
    if (discount.percent is None) == (discount.amount is None):
        raise ValidationError({"percent": [gettext_lazy("Give either percent or amount, not both.")]})
    if discount.percent is not None and not 1 <= discount.percent <= 100:
        raise ValidationError({"percent": [gettext_lazy("A whole number from 1 to 100.")]})
    if discount.amount is not None:
        discount.amount = _money(discount.amount, "amount")
    discount.concept_kinds = _concept_kinds(discount.concept_kinds, "concept_kinds")
    if discount.valid_to is not None and discount.valid_to < discount.valid_from:
        raise ValidationError({"valid_to": [gettext_lazy("Must not be before valid_from.")]})
    if discount.kind == DiscountKind.EARLY_PAYMENT:
        if discount.early_payment_day is None or not 1 <= discount.early_payment_day <= 31:
            raise ValidationError(
                {"early_payment_day": [gettext_lazy("Pronto pago needs a day of the month, 1 to 31.")]}
            )
    elif discount.early_payment_day is not None:
        raise ValidationError(
            {"early_payment_day": [gettext_lazy("Only an EARLY_PAYMENT discount has one.")]}
        )
    if not (discount.reason or "").strip():
        raise ValidationError({"reason": [gettext_lazy("Say why the discount is granted.")]})


@transaction.atomic
def discount_create(
    *, kind: str, concept_kinds: list[str], valid_from: date, reason: str,
    student_id: UUID | None = None, family_id: UUID | None = None,
    percent: int | None = None, amount: Decimal | None = None, valid_to: date | None = None,
    early_payment_day: int | None = None, actor: User | None = None,
) -> Discount:
    """Grant a student, or every student of a family, a beca or discount; the actor is recorded
    as who approved it. Invoices issued from now on carry it; one already issued is corrected with
    a credit note instead. Raises NotFound, StudentNotBillable (409), ValidationError."""
    if (student_id is None) == (family_id is None):
        raise ValidationError({"student_id": [gettext_lazy("Give either student_id or family_id.")]})
    student = family = None
    if student_id is not None:
        student = row_get(Student, student_id)
        if not student.is_active:
            raise StudentNotBillable()
        school_id = student.school_id
    else:
        family = row_get(Family, family_id)
        if not family.is_active:
            raise StudentNotBillable(gettext_lazy("The family is inactive; reactivate it first."))
        school_id = family.school_id
    discount = Discount(
        school_id=school_id, student=student, family=family, kind=kind, percent=percent, amount=amount,
        concept_kinds=concept_kinds, valid_from=valid_from, valid_to=valid_to, reason=reason,
        early_payment_day=early_payment_day, approved_by=actor if actor and actor.pk else None,
    )
    _discount_check(discount)
    discount.save(force_insert=True)
    return discount


@transaction.atomic
def discount_update(
    *,
    discount_id: UUID,
    actor: User | None = None,
    student_id: UUID | None = None,
    family_id: UUID | None = None,
    kind: str | Unchanged = UNCHANGED,
    percent: int | None | Unchanged = UNCHANGED,
    amount: Decimal | None | Unchanged = UNCHANGED,
    concept_kinds: list[str] | Unchanged = UNCHANGED,
    valid_from: date | Unchanged = UNCHANGED,
    valid_to: date | None | Unchanged = UNCHANGED,
    reason: str | Unchanged = UNCHANGED,
    early_payment_day: int | None | Unchanged = UNCHANGED,
    is_active: bool | Unchanged = UNCHANGED,
) -> Discount:
    """Change a discount; only the fields given change (`percent` and `amount` replace each
    other; `student_id` and `family_id`: echoes of its own holder only). Locks the row. Raises
    NotFound, ValidationError. Safe to retry."""
    changes = given(
        kind=kind, percent=percent, amount=amount, concept_kinds=concept_kinds, valid_from=valid_from,
        valid_to=valid_to, reason=reason, early_payment_day=early_payment_day, is_active=is_active,
    )
    discount = row_get(Discount, discount_id, lock=True)
    fixed_field_check(discount, "student_id", student_id, gettext_lazy("A discount never changes student."))
    fixed_field_check(discount, "family_id", family_id, gettext_lazy("A discount never changes family."))
    if changes.get("percent") is not None and "amount" not in changes:
        changes["amount"] = None
    if changes.get("amount") is not None and "percent" not in changes:
        changes["percent"] = None
    changes_apply(discount, changes)
    _discount_check(discount)
    discount.save()
    return discount


def discount_deactivate(*, discount_id: UUID, actor: User | None = None) -> Discount:
    """Withdraw a discount: later invoices no longer carry it."""
    return discount_update(discount_id=discount_id, is_active=False, actor=actor)


# --- late-fee policies ----------------------------------------------------------------------


def _policy_check(policy: LateFeePolicy) -> None:
    if policy.grace_days is None or not 0 <= policy.grace_days <= 365:
        raise ValidationError({"grace_days": [gettext_lazy("From 0 to 365 days.")]})
    tiers = []
    for tier in policy.tiers or []:
        from_day, amount, percent = tier.get("from_day"), tier.get("amount"), tier.get("percent")
        if not isinstance(from_day, int) or not 1 <= from_day <= 3650:
            raise ValidationError({"tiers": [gettext_lazy("from_day: days after the due date, from 1.")]})
        if (amount is None) == (percent is None):
            raise ValidationError({"tiers": [gettext_lazy("Each tier has either amount or percent.")]})
        if percent is not None and (not isinstance(percent, int) or not 1 <= percent <= 100):
            raise ValidationError({"tiers": [gettext_lazy("percent: a whole number from 1 to 100.")]})
        entry = {"from_day": from_day}
        if amount is not None:
            entry["amount"] = str(_money(amount, "tiers"))
        else:
            entry["percent"] = percent
        tiers.append(entry)
    if not tiers:
        raise ValidationError({"tiers": [gettext_lazy("A policy has at least one tier.")]})
    days = [tier["from_day"] for tier in tiers]
    if len(set(days)) != len(days):
        raise ValidationError({"tiers": [gettext_lazy("Two tiers start on the same day.")]})
    policy.tiers = sorted(tiers, key=lambda tier: tier["from_day"])
    policy.cap = _money(policy.cap, "cap", allow_none=True)
    policy.concept_kinds = _concept_kinds(policy.concept_kinds, "concept_kinds")


def _policy_save(policy: LateFeePolicy, **kwargs) -> None:
    try:
        with transaction.atomic():
            policy.save(**kwargs)
    except IntegrityError:
        raise LateFeePolicyExists() from None


@transaction.atomic
def late_fee_policy_create(
    *, school_id: UUID, tiers: list[dict], concept_kinds: list[str], grace_days: int = 0,
    cap: Decimal | None = None, actor: User | None = None,
) -> LateFeePolicy:
    """The school's recargo rules. One active policy per school (UNIQUE): a second is a 409
    LateFeePolicyExists. Raises SchoolInactive (409), ValidationError."""
    if not School.objects.filter(pk=school_id, is_active=True).exists():
        raise SchoolInactive(gettext_lazy("This school is inactive."))
    policy = LateFeePolicy(
        school_id=school_id, grace_days=grace_days, tiers=tiers, cap=cap, concept_kinds=concept_kinds
    )
    _policy_check(policy)
    _policy_save(policy, force_insert=True)
    return policy


@transaction.atomic
def late_fee_policy_update(
    *,
    policy_id: UUID,
    actor: User | None = None,
    school_id: UUID | None = None,
    grace_days: int | Unchanged = UNCHANGED,
    tiers: list[dict] | Unchanged = UNCHANGED,
    cap: Decimal | None | Unchanged = UNCHANGED,
    concept_kinds: list[str] | Unchanged = UNCHANGED,
    is_active: bool | Unchanged = UNCHANGED,
) -> LateFeePolicy:
    """Change a policy; only the fields given change. Tiers already charged keep their slots by
    position, so reordering tiers of a policy in use is a change of rules. Locks the row. Raises
    NotFound, LateFeePolicyExists (reactivating beside another active one), ValidationError."""
    changes = given(grace_days=grace_days, tiers=tiers, cap=cap, concept_kinds=concept_kinds,
                    is_active=is_active)
    policy = row_get(LateFeePolicy, policy_id, lock=True)
    fixed_field_check(policy, "school_id", school_id, gettext_lazy("A policy never changes school."))
    changes_apply(policy, changes)
    _policy_check(policy)
    _policy_save(policy)
    return policy


def late_fee_policy_deactivate(*, policy_id: UUID, actor: User | None = None) -> LateFeePolicy:
    """Stop charging recargos under this policy; those charged stay."""
    return late_fee_policy_update(policy_id=policy_id, is_active=False, actor=actor)


