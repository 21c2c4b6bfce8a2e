"""The fee setup's services: what they accept, what they refuse, and what the database guards."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from fees import services
from fees.exceptions import (
    AlreadyEnrolled,
    DuplicateName,
    InactiveFeeSetup,
    LateFeePolicyExists,
    StudentNotBillable,
)
from fees.models import Discount, Enrollment, FeePlanItem
from tests.fees.factories import enrollment_item, fee_plan, school_year, tuition_item
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


def test_a_school_year_name_is_unique_per_school(school, other_school):
    school_year(school)
    school_year(other_school)
    with pytest.raises(DuplicateName):
        school_year(school)


def test_a_school_year_ends_after_it_starts(school):
    with pytest.raises(ValidationError) as error:
        school_year(school, ends_on=date(2026, 8, 1))
    assert "ends_on" in error.value.message_dict


def test_holidays_are_kept_as_sorted_iso_dates(school):
    year = school_year(school, holidays=[date(2026, 12, 25), date(2026, 11, 16)])
    assert year.holidays == ["2026-11-16", "2026-12-25"]
    assert date(2026, 11, 16) in year.holiday_dates


def test_a_plan_keeps_its_items_and_months_in_school_year_order(school):
    year = school_year(school)
    plan = fee_plan(year, items=[enrollment_item(), tuition_item(months=[1, 9, 12])])
    items = list(plan.items.order_by("position"))
    assert [item.concept_kind for item in items] == ["ENROLLMENT", "TUITION"]
    assert items[1].months == [9, 12, 1]


@pytest.mark.parametrize(
    "item",
    [
        tuition_item(months=[7, 8]),  # July 2027 is in the year, but there is no August 2027
        tuition_item(months=[9, 9]),
        tuition_item(due_day=None),
        enrollment_item(due=date(2027, 9, 1)),
        {**enrollment_item(), "due_day": 5},
        {**tuition_item(), "concept_kind": "SURCHARGE"},
    ],
)
def test_a_plan_item_that_does_not_fit_the_year_is_refused(school, item):
    year = school_year(school, starts_on=date(2026, 8, 17), ends_on=date(2027, 7, 9))
    if item.get("months") == [7, 8]:
        year = school_year(school, name="short", starts_on=date(2026, 9, 1), ends_on=date(2027, 7, 9))
    with pytest.raises(ValidationError):
        fee_plan(year, items=[item])
    assert not FeePlanItem.objects.exists()


def test_updating_a_plans_items_replaces_them(school):
    plan = fee_plan(school_year(school))
    services.fee_plan_update(plan_id=plan.pk, items=[tuition_item("2800.00")])
    assert list(plan.items.values_list("amount", flat=True)) == [Decimal("2800.00")]


def test_a_student_is_enrolled_once_per_school_year(school):
    year = school_year(school)
    student = StudentFactory(school=school)
    services.enrollment_create(student_id=student.pk, plan_id=fee_plan(year).pk)
    with pytest.raises(AlreadyEnrolled):
        services.enrollment_create(student_id=student.pk, plan_id=fee_plan(year, name="Otro").pk)
    assert Enrollment.objects.count() == 1


def test_the_database_refuses_a_second_enrollment_in_a_school_year(school):
    year = school_year(school)
    student = StudentFactory(school=school)
    first = services.enrollment_create(student_id=student.pk, plan_id=fee_plan(year).pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            school=school, school_year=year, student=student, plan=first.plan, starts_on=year.starts_on
        )


def test_an_enrollment_starts_within_its_school_year_by_default_at_its_start(school):
    year = school_year(school)
    student = StudentFactory(school=school)
    enrollment = services.enrollment_create(student_id=student.pk, plan_id=fee_plan(year).pk)
    assert enrollment.starts_on == year.starts_on
    with pytest.raises(ValidationError):
        services.enrollment_update(enrollment_id=enrollment.pk, starts_on=date(2027, 8, 1))


def test_a_plan_of_another_school_cannot_enroll_a_student(school, other_school):
    plan = fee_plan(school_year(other_school))
    with pytest.raises(ValidationError):
        services.enrollment_create(student_id=StudentFactory(school=school).pk, plan_id=plan.pk)


def test_an_inactive_student_or_plan_cannot_be_enrolled(school):
    year = school_year(school)
    plan = fee_plan(year)
    with pytest.raises(StudentNotBillable):
        gone = StudentFactory(school=school, is_active=False)
        services.enrollment_create(student_id=gone.pk, plan_id=plan.pk)
    services.fee_plan_deactivate(plan_id=plan.pk)
    with pytest.raises(InactiveFeeSetup):
        services.enrollment_create(student_id=StudentFactory(school=school).pk, plan_id=plan.pk)


def test_bulk_enrollment_takes_the_grades_active_students_once(school):
    plan = fee_plan(school_year(school))
    third = [StudentFactory(school=school, grade="3") for _ in range(3)]
    StudentFactory(school=school, grade="4")
    StudentFactory(school=school, grade="3", is_active=False)
    services.enrollment_create(student_id=third[0].pk, plan_id=plan.pk)

    assert services.enrollments_create_by_grade(plan_id=plan.pk, grade="3") == {
        "enrolled": 2, "already_enrolled": 1,
    }
    assert services.enrollments_create_by_grade(plan_id=plan.pk, grade="3") == {
        "enrolled": 0, "already_enrolled": 3,
    }
    assert set(Enrollment.objects.values_list("student_id", flat=True)) == {s.pk for s in third}


def test_a_discount_is_a_percent_or_an_amount(school, admin_user):
    student = StudentFactory(school=school)
    base = {"student_id": student.pk, "kind": "SCHOLARSHIP", "concept_kinds": ["TUITION"],
            "valid_from": date(2026, 8, 1), "reason": "Beca SEP"}
    with pytest.raises(ValidationError):
        services.discount_create(**base, percent=25, amount=Decimal("100.00"))
    with pytest.raises(ValidationError):
        services.discount_create(**base)
    discount = services.discount_create(**base, percent=25, actor=admin_user)
    assert discount.approved_by == admin_user
    changed = services.discount_update(discount_id=discount.pk, amount=Decimal("300.00"))
    assert (changed.percent, changed.amount) == (None, Decimal("300.00"))


def test_pronto_pago_needs_its_day_and_only_it_has_one(school):
    student = StudentFactory(school=school)
    base = {"student_id": student.pk, "concept_kinds": ["TUITION"], "valid_from": date(2026, 8, 1),
            "reason": "x", "percent": 5}
    with pytest.raises(ValidationError):
        services.discount_create(**base, kind="EARLY_PAYMENT")
    with pytest.raises(ValidationError):
        services.discount_create(**base, kind="SIBLING", early_payment_day=5)
    assert services.discount_create(**base, kind="EARLY_PAYMENT", early_payment_day=5).early_payment_day == 5


def test_the_database_refuses_a_discount_with_both_percent_and_amount(school):
    student = StudentFactory(school=school)
    with pytest.raises(IntegrityError), transaction.atomic():
        Discount.objects.create(
            school=school, student=student, kind="OTHER", percent=10, amount=Decimal("5.00"),
            concept_kinds=["TUITION"], valid_from=date(2026, 8, 1), reason="x",
        )


def test_one_active_late_fee_policy_per_school(school):
    policy = services.late_fee_policy_create(
        school_id=school.pk, grace_days=5, concept_kinds=["TUITION"],
        tiers=[{"from_day": 30, "percent": 5}, {"from_day": 1, "amount": Decimal("150.00")}],
    )
    assert [tier["from_day"] for tier in policy.tiers] == [1, 30]
    with pytest.raises(LateFeePolicyExists):
        services.late_fee_policy_create(school_id=school.pk, tiers=[{"from_day": 1, "percent": 3}],
                                         concept_kinds=["TUITION"])
    services.late_fee_policy_deactivate(policy_id=policy.pk)
    services.late_fee_policy_create(school_id=school.pk, tiers=[{"from_day": 1, "percent": 3}],
                                     concept_kinds=["TUITION"])
    with pytest.raises(LateFeePolicyExists):
        services.late_fee_policy_update(policy_id=policy.pk, is_active=True)


@pytest.mark.parametrize(
    "tiers",
    [[], [{"from_day": 1}], [{"from_day": 1, "percent": 5, "amount": "10.00"}],
     [{"from_day": 1, "percent": 5}, {"from_day": 1, "percent": 6}], [{"from_day": 0, "percent": 5}]],
)
def test_malformed_tiers_are_refused(school, tiers):
    with pytest.raises(ValidationError):
        services.late_fee_policy_create(school_id=school.pk, tiers=tiers, concept_kinds=["TUITION"])
