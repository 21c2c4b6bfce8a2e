"""Recargos: each tier reached charged once, never on a surcharge, never above the cap."""

from datetime import date
from decimal import Decimal

import pytest

from billing.models import Invoice, InvoiceStatus, PaymentMethod
from billing.services import payment_record
from billing.surcharges import NotASurcharge, surcharge_waive
from fees import services
from fees.calendar import Period
from fees.runs import billing_run_execute, late_fee_run_execute
from tests.fees.factories import fee_plan, school_year, tuition_item
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db
SEPTEMBER = Period(2026, 9)  # colegiatura due Thursday 2026-09-10


def setup_school(school, *, cap=None, students=1):
    plan = fee_plan(school_year(school), items=[tuition_item("2000.00")])
    for _ in range(students):
        services.enrollment_create(student_id=StudentFactory(school=school).pk, plan_id=plan.pk)
    services.late_fee_policy_create(
        school_id=school.pk, grace_days=5, cap=cap, concept_kinds=["TUITION"],
        tiers=[{"from_day": 1, "amount": Decimal("150.00")}, {"from_day": 30, "percent": 5}],
    )
    billing_run_execute(school_id=school.pk, period=SEPTEMBER)
    return Invoice.objects.get() if students == 1 else None


def surcharges(original):
    return list(Invoice.objects.filter(surcharge_of=original).order_by("surcharge_tier"))


def test_nothing_is_charged_within_the_grace_days(school):
    original = setup_school(school)
    assert late_fee_run_execute(school_id=school.pk, as_of=date(2026, 9, 15)).surcharges_created == 0
    result = late_fee_run_execute(school_id=school.pk, as_of=date(2026, 9, 16))
    assert (result.surcharges_created, result.total_amount) == (1, Decimal("150.00"))
    [recargo] = surcharges(original)
    assert (recargo.amount, recargo.surcharge_tier) == (Decimal("150.00"), 0)
    assert recargo.student_id == original.student_id
    assert [line.concept.kind for line in recargo.lines.all()] == ["SURCHARGE"]


def test_each_tier_is_charged_once_however_often_the_run_runs(school):
    original = setup_school(school)
    late_fee_run_execute(school_id=school.pk, as_of=date(2026, 9, 20))
    late_fee_run_execute(school_id=school.pk, as_of=date(2026, 10, 10))
    again = late_fee_run_execute(school_id=school.pk, as_of=date(2026, 10, 10))
    assert again.surcharges_created == 0
    # 5 % of the original 2,000.00, not of original plus recargo: recargos never compound.
    assert [s.amount for s in surcharges(original)] == [Decimal("150.00"), Decimal("100.00")]
    # A surcharge is never itself surcharged, even long overdue.
    late_fee_run_execute(school_id=school.pk, as_of=date(2026, 12, 1))
    assert Invoice.objects.filter(surcharge_of__surcharge_of__isnull=False).count() == 0


def test_recargos_never_add_up_past_the_cap(school):
    original = setup_school(school, cap=Decimal("200.00"))
    late_fee_run_execute(school_id=school.pk, as_of=date(2026, 10, 20))
    assert [s.amount for s in surcharges(original)] == [Decimal("150.00"), Decimal("50.00")]


def test_paying_the_original_within_the_grace_days_means_no_recargo(school):
    original = setup_school(school)
    payment_record(invoice_id=original.pk, amount=Decimal("2000.00"), method=PaymentMethod.CASH,
                   payment_date=date(2026, 9, 14))
    assert late_fee_run_execute(school_id=school.pk, as_of=date(2026, 10, 20)).surcharges_created == 0


def test_paying_the_original_stops_further_tiers(school):
    original = setup_school(school)
    late_fee_run_execute(school_id=school.pk, as_of=date(2026, 9, 20))
    payment_record(invoice_id=original.pk, amount=Decimal("2000.00"), method=PaymentMethod.CASH,
                   payment_date=date(2026, 9, 25))
    late_fee_run_execute(school_id=school.pk, as_of=date(2026, 10, 20))
    assert len(surcharges(original)) == 1


def test_a_waived_tier_keeps_its_slot(school, admin_user):
    original = setup_school(school)
    late_fee_run_execute(school_id=school.pk, as_of=date(2026, 9, 20))
    [recargo] = surcharges(original)
    waived = surcharge_waive(invoice_id=recargo.pk, reason="Acuerdo con la familia", actor=admin_user)
    assert (waived.status, waived.cancel_reason) == (InvoiceStatus.CANCELLED, "Acuerdo con la familia")
    late_fee_run_execute(school_id=school.pk, as_of=date(2026, 9, 21))
    assert len(surcharges(original)) == 1
    with pytest.raises(NotASurcharge):
        surcharge_waive(invoice_id=original.pk, reason="x")


def test_a_dry_run_counts_and_charges_nothing(school):
    setup_school(school)
    preview = late_fee_run_execute(school_id=school.pk, as_of=date(2026, 10, 20), dry_run=True)
    assert (preview.surcharges_created, preview.total_amount) == (2, Decimal("250.00"))
    assert Invoice.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_charge_each_tier_once():
    school = SchoolFactory()
    setup_school(school, students=4)

    results = run_together(2, lambda _: late_fee_run_execute(school_id=school.pk, as_of=date(2026, 10, 20)))

    assert sorted(r.surcharges_created for r in results) == [0, 8]
    assert Invoice.objects.filter(surcharge_of__isnull=False).count() == 8
