"""Every invoice is the sum of its lines: typed-in invoices are one line, edits keep them in step,
a run's invoice takes its amount from its lines only, and reconcile reports any that do not add up."""

from datetime import date
from decimal import Decimal

import pytest

from billing import reconcile, services
from billing.exceptions import AmountFromLines
from billing.models import Invoice, InvoiceLine, LineSource
from core.dates import local_today
from fees import services as fee_services
from fees.calendar import Period
from fees.runs import billing_run_execute
from tests.fees.factories import enrollment_item, fee_plan, school_year, tuition_item
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


def lines_of(invoice):
    return [(line.amount, line.concept.kind, line.source, line.description)
            for line in InvoiceLine.objects.filter(invoice=invoice).select_related("concept")]


def test_a_typed_in_invoice_is_one_line_of_its_amount(school):
    student = StudentFactory(school=school)

    tuition = services.invoice_create(student_id=student.pk, amount=Decimal("2500.00"),
                                      due_date=local_today(), description="Colegiatura marzo")
    other = services.invoice_create(student_id=student.pk, amount=Decimal("80.50"), due_date=local_today())

    assert lines_of(tuition) == [(Decimal("2500.00"), "TUITION", LineSource.MANUAL, "Colegiatura marzo")]
    assert lines_of(other) == [(Decimal("80.50"), "OTHER", LineSource.MANUAL, "Otros cargos")]


def test_editing_a_typed_in_invoice_keeps_its_line_in_step(school):
    student = StudentFactory(school=school)
    invoice = services.invoice_create(student_id=student.pk, amount=Decimal("1000.00"),
                                      due_date=local_today(), description="Uniforme")

    services.invoice_update(
        invoice_id=invoice.pk, amount=Decimal("1250.00"), description="Uniforme y zapatos"
    )

    assert lines_of(invoice) == [(Decimal("1250.00"), "OTHER", LineSource.MANUAL, "Uniforme y zapatos")]
    assert not reconcile.invoice_discrepancy_list(school_ids=[school.pk]).discrepancies


def test_a_run_invoice_takes_its_amount_from_its_lines_only(school):
    plan = fee_plan(school_year(school), items=[tuition_item("2500.00"), enrollment_item("3000.00")])
    pupil = StudentFactory(school=school)
    fee_services.enrollment_create(student_id=pupil.pk, plan_id=plan.pk)
    fee_services.discount_create(
        student_id=pupil.pk, kind="SCHOLARSHIP", percent=25, concept_kinds=["TUITION"],
        valid_from=date(2026, 8, 1), reason="beca",
    )
    billing_run_execute(school_id=school.pk, period=Period(2026, 9))
    invoice = Invoice.objects.get(student=pupil)
    assert sum(line[0] for line in lines_of(invoice)) == invoice.amount  # a negative beca line included
    assert len(lines_of(invoice)) > 1

    with pytest.raises(AmountFromLines):
        services.invoice_update(invoice_id=invoice.pk, amount=invoice.amount + 1)

    invoice.refresh_from_db()
    assert sum(line[0] for line in lines_of(invoice)) == invoice.amount
    # Its due date and description may still change; the lines stay as they are.
    services.invoice_update(invoice_id=invoice.pk, description="Septiembre")
    assert sum(line[0] for line in lines_of(invoice)) == invoice.amount


def test_reconcile_reports_lines_that_do_not_add_up(school):
    student = StudentFactory(school=school)
    invoice = services.invoice_create(
        student_id=student.pk, amount=Decimal("1000.00"), due_date=local_today()
    )
    InvoiceLine.objects.filter(invoice=invoice).update(amount=Decimal("999.99"))  # a broken row

    [found] = reconcile.invoice_discrepancy_list(school_ids=[school.pk]).discrepancies

    assert (found.kind, found.invoice_id) == (reconcile.LINES_SUM_MISMATCH, invoice.pk)
    assert "999.99" in found.detail
