"""The monthly billing run: what it issues, what it never issues twice."""

from datetime import date
from decimal import Decimal

import pytest

from billing.models import Invoice, InvoiceLine
from fees import services
from fees.calendar import Period
from fees.models import BillingRun
from fees.runs import billing_run_execute
from tests.fees.factories import enrollment_item, fee_plan, school_year, tuition_item
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db
DECEMBER = Period(2026, 12)


@pytest.fixture
def plan(school):
    return fee_plan(school_year(school), items=[tuition_item("2500.00"), enrollment_item("3000.00")])


def enrolled(plan, *, starts_on=None, **student):
    pupil = StudentFactory(school=plan.school, **student)
    services.enrollment_create(student_id=pupil.pk, plan_id=plan.pk, starts_on=starts_on)
    return pupil


def grant(pupil, percent, kind="SCHOLARSHIP", **extra):
    return services.discount_create(
        student_id=pupil.pk, kind=kind, percent=percent, concept_kinds=["TUITION"],
        valid_from=date(2026, 8, 1), reason="test", **extra,
    )


def test_a_run_issues_one_invoice_per_enrolled_student_with_its_lines(school, plan):
    pupils = [enrolled(plan) for _ in range(3)]
    result = billing_run_execute(school_id=school.pk, period=DECEMBER)

    assert (result.invoices_created, result.lines_created, result.total_amount) == (3, 3, Decimal("7500.00"))
    invoices = Invoice.objects.order_by("number")
    assert {invoice.student_id for invoice in invoices} == {p.pk for p in pupils}
    first = invoices[0]
    # 2026-12-10 is a Thursday.
    assert (first.amount, first.due_date) == (Decimal("2500.00"), date(2026, 12, 10))
    assert first.description == "Colegiatura diciembre 2026"
    [line] = first.lines.all()
    assert (line.amount, line.period, line.concept.kind) == (Decimal("2500.00"), "2026-12", "TUITION")
    numbers = [int(number[-6:]) for number in invoices.values_list("number", flat=True)]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    run = BillingRun.objects.get()
    assert (run.period, run.invoices_created, run.total_amount) == ("2026-12", 3, Decimal("7500.00"))


def test_re_running_a_period_issues_nothing_and_says_so(school, plan):
    for _ in range(2):
        enrolled(plan)
    billing_run_execute(school_id=school.pk, period=DECEMBER)
    again = billing_run_execute(school_id=school.pk, period=DECEMBER)
    assert (again.invoices_created, again.already_issued) == (0, 2)
    assert Invoice.objects.count() == 2


def test_a_dry_run_counts_what_it_would_issue_and_writes_nothing(school, plan):
    enrolled(plan)
    preview = billing_run_execute(school_id=school.pk, period=DECEMBER, dry_run=True)
    assert (preview.invoices_created, preview.total_amount, preview.id) == (1, Decimal("2500.00"), None)
    assert not Invoice.objects.exists() and not BillingRun.objects.exists()


def test_the_enrollment_month_bills_every_item_due_in_it(school, plan):
    enrolled(plan)
    result = billing_run_execute(school_id=school.pk, period=Period(2026, 8))
    # August: inscripción only (colegiatura runs September to June).
    assert (result.invoices_created, result.total_amount) == (1, Decimal("3000.00"))


def test_a_mid_year_enrollment_gets_no_earlier_months(school, plan):
    enrolled(plan, starts_on=date(2027, 1, 15))
    assert billing_run_execute(school_id=school.pk, period=DECEMBER).invoices_created == 0
    assert billing_run_execute(school_id=school.pk, period=Period(2027, 1)).invoices_created == 1


def test_an_inactive_student_gets_no_new_invoices(school, plan):
    pupil = enrolled(plan)
    pupil.is_active = False
    pupil.save()
    assert billing_run_execute(school_id=school.pk, period=DECEMBER).invoices_created == 0


def test_a_full_beca_issues_no_invoice(school, plan):
    grant(enrolled(plan), 100)
    assert billing_run_execute(school_id=school.pk, period=DECEMBER).invoices_created == 0
    assert not Invoice.objects.exists()


def test_a_beca_is_a_negative_line_and_pronto_pago_an_offer(school, plan):
    pupil = enrolled(plan)
    grant(pupil, 25)
    other = enrolled(plan)
    grant(other, 5, kind="EARLY_PAYMENT", early_payment_day=5)
    billing_run_execute(school_id=school.pk, period=DECEMBER)

    invoice = Invoice.objects.get(student=pupil)
    assert [line.amount for line in invoice.lines.all()] == [Decimal("2500.00"), Decimal("-625.00")]
    assert invoice.amount == Decimal("1875.00")
    offer = Invoice.objects.get(student=other)
    assert (offer.early_payment_until, offer.early_payment_amount) == (date(2026, 12, 5), Decimal("2375.00"))


def test_a_family_discount_reaches_every_child(school, plan):
    from families.services import family_create

    family = family_create(school_id=school.pk, name="Familia López")
    children = [enrolled(plan, family=family) for _ in range(2)]
    services.discount_create(
        family_id=family.pk, kind="SIBLING", percent=10, concept_kinds=["TUITION"],
        valid_from=date(2026, 8, 1), reason="Hermanos",
    )
    billing_run_execute(school_id=school.pk, period=DECEMBER)
    assert list(Invoice.objects.filter(student__in=children).values_list("amount", flat=True)) == [
        Decimal("2250.00"), Decimal("2250.00"),
    ]


def test_lines_of_another_school_do_not_count_as_issued(school, plan):
    enrolled(plan)
    other = SchoolFactory()
    enrolled(fee_plan(school_year(other)))
    billing_run_execute(school_id=other.pk, period=DECEMBER)
    assert billing_run_execute(school_id=school.pk, period=DECEMBER).invoices_created == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_issue_each_invoice_once():
    school = SchoolFactory()
    plan = fee_plan(school_year(school))
    for _ in range(5):
        enrolled(plan)

    results = run_together(2, lambda _: billing_run_execute(school_id=school.pk, period=DECEMBER))

    assert sorted(r.invoices_created for r in results) == [0, 5]
    assert Invoice.objects.count() == 5 and InvoiceLine.objects.count() == 5


def test_a_familys_credit_pays_the_new_invoices_in_the_run(school, plan):
    credit = pytest.importorskip("billing.credit")  # the family credit of issue 14
    from families.services import family_create

    family = family_create(school_id=school.pk, name="Familia Ruiz")
    child = enrolled(plan, family=family)
    credit.family_payment_record(family_id=family.pk, amount=Decimal("1000.00"), method="CASH")

    result = billing_run_execute(school_id=school.pk, period=DECEMBER)

    invoice = Invoice.objects.get(student=child)
    assert result.credit_applied == Decimal("1000.00")
    assert (invoice.amount, invoice.paid_amount) == (Decimal("2500.00"), Decimal("1000.00"))
