"""generate_invoices and apply_late_fees: thin wrappers that say what they did."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.models import Invoice
from fees import services
from tests.fees.factories import fee_plan, school_year, tuition_item
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


def test_the_commands_issue_then_charge_and_a_rerun_does_nothing(school):
    plan = fee_plan(school_year(school), items=[tuition_item("2000.00")])
    services.enrollment_create(student_id=StudentFactory(school=school).pk, plan_id=plan.pk)
    services.late_fee_policy_create(school_id=school.pk, grace_days=5, concept_kinds=["TUITION"],
                                    tiers=[{"from_day": 1, "amount": Decimal("150.00")}])
    out = StringIO()
    call_command("generate_invoices", "--period", "2026-09", stdout=out)
    call_command("generate_invoices", "--period", "2026-09", "--school", str(school.pk), stdout=out)
    call_command("apply_late_fees", "--as-of", "2026-10-01", stdout=out)
    call_command("apply_late_fees", "--as-of", "2026-10-01", stdout=out)
    text = out.getvalue()
    assert "issued 1 invoices totalling 2000.00" in text and "1 already issued" in text
    assert "charged 1 recargos totalling 150.00" in text and "charged 0 recargos" in text
    assert Invoice.objects.count() == 2
    assert Invoice.objects.filter(surcharge_of__isnull=False, due_date=date(2026, 10, 1)).count() == 1


def test_a_bad_period_or_a_future_day_is_refused():
    with pytest.raises(CommandError):
        call_command("generate_invoices", "--period", "2026-13")
    with pytest.raises(CommandError):
        call_command("apply_late_fees", "--as-of", "2999-01-01")
