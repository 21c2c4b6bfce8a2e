"""Billing runs, late-fee runs and waiving through the API: roles, shapes, counts."""

from decimal import Decimal

import pytest

from billing.models import FeeConcept, Invoice
from fees import services
from fees.models import BillingRun
from tests.fees.factories import fee_plan, school_year, tuition_item
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(school):
    plan = fee_plan(school_year(school), items=[tuition_item("2000.00")])
    for _ in range(2):
        services.enrollment_create(student_id=StudentFactory(school=school).pk, plan_id=plan.pk)
    return plan


def test_an_accountant_runs_a_period_and_a_rerun_issues_nothing(school, plan, accountant):
    url = f"/api/v1/schools/{school.pk}/billing-runs"
    preview = accountant.post(url, {"period": "2026-12", "dry_run": True}, format="json")
    assert preview.status_code == 200 and preview.json()["id"] is None
    assert (preview.json()["invoices_created"], preview.json()["total_amount"]) == (2, 4000.0)
    assert preview.json()["totals_by_line"] == {"Colegiatura": 4000.0}
    assert not Invoice.objects.exists()

    first = accountant.post(url, {"period": "2026-12"}, format="json")
    assert first.status_code == 201, first.json()
    assert {k: first.json()[k] for k in ("period", "invoices_created", "lines_created", "students")} == {
        "period": "2026-12", "invoices_created": 2, "lines_created": 2, "students": 2,
    }
    again = accountant.post(url, {"period": "2026-12"}, format="json").json()
    assert (again["invoices_created"], again["already_issued"]) == (0, 2)
    listed = accountant.get(url).json()
    assert listed["count"] == 2 and listed["results"][0]["invoices_created"] == 0


def test_a_viewer_cannot_run_and_another_school_is_a_404(school, other_school, plan, viewer):
    answer = viewer.post(f"/api/v1/schools/{school.pk}/billing-runs", {"period": "2026-12"}, format="json")
    assert answer.status_code == 403
    url = f"/api/v1/schools/{other_school.pk}/billing-runs"
    answer = viewer.post(url, {"period": "2026-12"}, format="json")
    assert answer.status_code == 404
    assert not Invoice.objects.exists()


def test_a_period_no_school_year_covers_is_a_400_and_records_no_run(school, plan, accountant):

    for dry_run in (True, False):
        answer = accountant.post(f"/api/v1/schools/{school.pk}/billing-runs",
                                 {"period": "2031-01", "dry_run": dry_run}, format="json")

        assert answer.status_code == 400
        assert answer.json()["code"] == "validation_error"
        assert "2031-01" in answer.json()["fields"]["period"][0]
    assert not BillingRun.objects.exists() and not Invoice.objects.exists()


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "diciembre", "", "0000-01", "1999-12", "9999-12"])
def test_a_malformed_period_is_a_400(school, plan, period, accountant):
    answer = accountant.post(f"/api/v1/schools/{school.pk}/billing-runs", {"period": period}, format="json")
    assert answer.status_code == 400 and "period" in answer.json()["fields"]


def test_late_fees_are_charged_and_an_admin_waives_one(school, plan, accountant, school_admin):
    services.late_fee_policy_create(school_id=school.pk, grace_days=5, concept_kinds=["TUITION"],
                                    tiers=[{"from_day": 1, "amount": Decimal("150.00")}])
    accountant.post(f"/api/v1/schools/{school.pk}/billing-runs", {"period": "2026-09"}, format="json")
    url = f"/api/v1/schools/{school.pk}/late-fee-runs"
    answer = accountant.post(url, {"as_of": "2026-10-01"}, format="json")
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["surcharges_created"], answer.json()["total_amount"]) == (2, 300.0)
    assert accountant.post(url, {"as_of": "2099-01-01"}, format="json").status_code == 400

    recargo = Invoice.objects.filter(surcharge_of__isnull=False).first()
    refused = accountant.post(f"/api/v1/invoices/{recargo.pk}/waive", {"reason": "x"}, format="json")
    assert refused.status_code == 403
    waived = school_admin.post(f"/api/v1/invoices/{recargo.pk}/waive", {"reason": "Acuerdo"}, format="json")
    assert waived.status_code == 200 and waived.json()["status"] == "CANCELLED"
    twice = school_admin.post(f"/api/v1/invoices/{recargo.pk}/waive", {"reason": "Acuerdo"}, format="json")
    assert twice.status_code == 409
    original = recargo.surcharge_of
    answer = school_admin.post(f"/api/v1/invoices/{original.pk}/waive", {"reason": "x"}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "not_a_surcharge"


def test_fee_concepts_are_created_with_a_unique_code(school, school_admin):
    body = {"school_id": str(school.pk), "code": "transporte", "name": "Transporte", "kind": "SERVICE"}
    answer = school_admin.post("/api/v1/fee-concepts", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["code"], answer.json()["deductible"]) == ("TRANSPORTE", False)
    again = school_admin.post("/api/v1/fee-concepts", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate_code"
    assert FeeConcept.objects.filter(school=school).count() == 1
