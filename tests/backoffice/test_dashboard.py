import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from backoffice.dashboard import dashboard_get, months_back
from billing import services
from billing.corrections import credit_note_issue, payment_reverse
from billing.credit import family_payment_record
from tests.backoffice.conftest import client_for, invoice, staff_member
from tests.billing.factories import PaymentFactory
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db


def test_kpis_count_this_and_last_month_by_due_and_payment_date(school, today):
    first = today.replace(day=1)
    last_month = months_back(first, 1)
    this_one = invoice(school, amount="1000.00", due=first)
    invoice(school, amount="400.00", due=last_month)
    invoice(school, amount="999.00", due=first, status="CANCELLED")
    PaymentFactory(invoice=this_one, amount=Decimal("250.00"), payment_date=first)

    kpis = dashboard_get(school_ids=[school.pk], today=today)["kpis"]

    assert kpis["invoiced"]["this"] == Decimal("1000.00")
    assert kpis["invoiced"]["last"] == Decimal("400.00")
    assert kpis["invoiced"]["change"] == Decimal("150.0")
    assert kpis["collected"]["this"] == Decimal("250.00")
    assert kpis["collected"]["last"] == Decimal("0.00")
    assert kpis["collected"]["change"] is None


def test_pending_and_overdue_use_the_unpaid_part_and_skip_cancelled(school, today):
    invoice(school, amount="1000.00", paid="300.00", due=today - datetime.timedelta(days=5))
    invoice(school, amount="500.00", due=today + datetime.timedelta(days=5))
    invoice(school, amount="800.00", paid="800.00", due=today - datetime.timedelta(days=40), status="PAID")
    invoice(school, amount="700.00", due=today - datetime.timedelta(days=40), status="CANCELLED")

    kpis = dashboard_get(school_ids=[school.pk], today=today)["kpis"]

    assert kpis["pending"]["total"] == Decimal("1200.00")
    assert kpis["overdue"]["total"] == Decimal("700.00")
    assert kpis["overdue"]["count"] == 1
    assert kpis["overdue"]["students"] == 1


def test_overdue_at_month_start_is_rebuilt_from_payments_dated_before_it(school, today):
    first = today.replace(day=1)
    old = invoice(school, amount="1000.00", paid="1000.00", due=first - datetime.timedelta(days=20),
                  status="PAID")
    # Paid during this month: it was overdue on the first, it is not now.
    PaymentFactory(invoice=old, amount=Decimal("1000.00"), payment_date=first)

    kpis = dashboard_get(school_ids=[school.pk], today=today)["kpis"]

    assert kpis["overdue"]["month_start"] == Decimal("1000.00")
    assert kpis["overdue"]["total"] == Decimal("0.00")


def test_aging_puts_each_overdue_invoice_in_its_bucket(school, today):
    for days, amount in [(1, "10.00"), (30, "20.00"), (31, "40.00"), (75, "80.00"), (91, "160.00")]:
        invoice(school, amount=amount, due=today - datetime.timedelta(days=days))
    invoice(school, amount="999.00", due=today)  # due today is not overdue

    aging = {row["bucket"]: row for row in dashboard_get(school_ids=[school.pk], today=today)["aging"]}

    assert aging["0-30"]["amount"] == Decimal("30.00") and aging["0-30"]["count"] == 2
    assert aging["31-60"]["amount"] == Decimal("40.00")
    assert aging["61-90"]["amount"] == Decimal("80.00")
    assert aging["90+"]["amount"] == Decimal("160.00")


def test_monthly_series_has_twelve_months_ending_this_month(school, today):
    first = today.replace(day=1)
    invoice(school, amount="300.00", due=months_back(first, 11))
    invoice(school, amount="999.00", due=months_back(first, 12))  # outside the window

    monthly = dashboard_get(school_ids=[school.pk], today=today)["monthly"]

    assert len(monthly) == 12
    assert monthly[0]["month"] == months_back(first, 11) and monthly[0]["invoiced"] == Decimal("300.00")
    assert monthly[-1]["month"] == first
    assert sum(row["invoiced"] for row in monthly) == Decimal("300.00")


def test_daily_series_covers_thirty_days_with_zero_days_filled(school, today):
    paid = invoice(school, amount="500.00", paid="120.00")
    PaymentFactory(invoice=paid, amount=Decimal("120.00"), payment_date=today)

    daily = dashboard_get(school_ids=[school.pk], today=today)["daily"]

    assert len(daily) == 30
    assert daily[-1] == {"date": today, "total": Decimal("120.00"), "count": 1}
    assert daily[0]["total"] == Decimal("0.00")


def test_top_debtors_are_ordered_by_pending_balance(school, today):
    small, big = StudentFactory(school=school), StudentFactory(school=school)
    invoice(school, student=small, amount="100.00")
    invoice(school, student=big, amount="300.00", due=today - datetime.timedelta(days=3))
    invoice(school, student=big, amount="200.00")

    debtors = dashboard_get(school_ids=[school.pk], today=today)["top_debtors"]

    assert [row["student_id"] for row in debtors] == [big.pk, small.pk]
    assert debtors[0]["pending"] == Decimal("500.00")
    assert debtors[0]["overdue"] == Decimal("300.00")
    assert debtors[0]["days_overdue"] == 3


def test_dashboard_is_fresh_after_a_payment(school, today):
    inv = invoice(school, amount="500.00")
    assert dashboard_get(school_ids=[school.pk])["kpis"]["pending"]["total"] == Decimal("500.00")

    services.payment_record(invoice_id=inv.pk, amount=Decimal("200.00"), method="CASH")

    assert dashboard_get(school_ids=[school.pk])["kpis"]["pending"]["total"] == Decimal("300.00")


def test_index_shows_only_the_users_schools(school, other_school, accountant):
    invoice(school, amount="1234.00")
    invoice(other_school, amount="98765.00")

    response = client_for(accountant).get(reverse("admin:index"))

    assert response.status_code == 200
    assert response.context["kpis"]["pending"]["total"] == Decimal("1234.00")
    assert b"98,765" not in response.content and b"98765" not in response.content
    assert "school-selector" not in response.content.decode()  # one school: no selector


def test_index_draws_the_charts_as_svg(school, accountant, today):
    inv = invoice(school, amount="800.00", paid="100.00", due=today - datetime.timedelta(days=3))
    PaymentFactory(invoice=inv, amount=Decimal("100.00"), payment_date=today)

    html = client_for(accountant).get(reverse("admin:index")).content.decode()

    for chart in ("chart-monthly", "chart-daily", "chart-aging"):
        assert f'<svg class="bo-chart" id="{chart}"' in html
    assert html.count("<rect") > 12
    assert "Top debtors" in html


def test_school_selector_narrows_the_dashboard_to_one_school(school, other_school):
    user = staff_member((school, Role.VIEWER), (other_school, Role.ACCOUNTANT))
    invoice(school, amount="100.00")
    invoice(other_school, amount="200.00")
    client = client_for(user)

    both = client.get(reverse("admin:index"))
    one = client.get(reverse("admin:index"), {"school": str(other_school.pk)})

    assert both.context["kpis"]["pending"]["total"] == Decimal("300.00")
    assert one.context["kpis"]["pending"]["total"] == Decimal("200.00")
    assert 'id="school-selector"' in both.content.decode()


def test_school_selector_ignores_a_school_the_user_does_not_belong_to(school, other_school, accountant):
    invoice(school, amount="100.00")
    invoice(other_school, amount="200.00")

    response = client_for(accountant).get(reverse("admin:index"), {"school": str(other_school.pk)})

    assert response.context["selected_school"] is None
    assert response.context["kpis"]["pending"]["total"] == Decimal("100.00")


def test_staff_without_memberships_sees_no_dashboard(db):
    response = client_for(staff_member()).get(reverse("admin:index"))

    assert response.status_code == 200
    assert response.context["dashboard"] is None
    assert "chart-monthly" not in response.content.decode()


def test_superuser_sees_every_school(school, other_school):
    invoice(school, amount="100.00")
    invoice(other_school, amount="200.00")

    response = client_for(staff_member(superuser=True)).get(reverse("admin:index"))

    assert response.context["kpis"]["pending"]["total"] == Decimal("300.00")


def test_index_runs_a_constant_number_of_queries(school, accountant, today, django_assert_max_num_queries):
    from fees import services as fee_services
    from tests.fees.factories import fee_plan, school_year, tuition_item

    for n in range(30):
        inv = invoice(school, amount="100.00", due=today - datetime.timedelta(days=n * 7))
        PaymentFactory(invoice=inv, amount=Decimal("10.00"), payment_date=today - datetime.timedelta(days=n))
    # Expected billing prices every enrollment of the month: still three queries for 30 students.
    start = today.replace(day=1)
    year = school_year(school, starts_on=start, ends_on=start + datetime.timedelta(days=360))
    plan = fee_plan(year, items=[tuition_item(months=[today.month])])
    for _ in range(30):
        student = StudentFactory(school=school)
        fee_services.enrollment_create(student_id=student.pk, plan_id=plan.pk)
        fee_services.discount_create(student_id=student.pk, kind="SCHOLARSHIP", percent=25,
                                     concept_kinds=["TUITION"], valid_from=start, reason="Beca")
    client = client_for(accountant)

    with django_assert_max_num_queries(18):
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200


def test_collected_is_net_of_reversals_on_the_reversals_date_and_counts_family_payments(school, today):
    """Hand-computed (DESIGN-CYCLE.md "Corrections": a reversed payment counts on its own date and
    is subtracted on the reversal's date, as the report views do).

    Last month: P1 400 and P2 300 on invoice A, a family payment of 600 (B 200 + C 300, 100 credit).
    Today: P3 100 (reversed today), P4 500; P2 reversed today; a credit note of 50 on A today.
    """
    first = today.replace(day=1)
    last_month = months_back(first, 1)
    a = invoice(school, amount="1000.00", due=last_month)
    family = FamilyFactory(school=school)
    for amount in ("200.00", "300.00"):  # B and C, two children of one family
        invoice(school, amount=amount, due=last_month, student=StudentFactory(school=school, family=family))
    services.payment_record(invoice_id=a.pk, amount=Decimal("400.00"), method="CASH", payment_date=last_month)
    p2 = services.payment_record(invoice_id=a.pk, amount=Decimal("300.00"), method="CHECK",
                                 payment_date=last_month)
    family_payment_record(family_id=family.pk, amount=Decimal("600.00"), method="CASH",
                          payment_date=last_month)
    p3 = services.payment_record(invoice_id=a.pk, amount=Decimal("100.00"), method="CHECK",
                                 payment_date=today)
    payment_reverse(payment_id=p2.pk, reason="BOUNCED_CHECK", reversal_date=today)
    payment_reverse(payment_id=p3.pk, reason="BOUNCED_CHECK", reversal_date=today)
    services.payment_record(invoice_id=a.pk, amount=Decimal("500.00"), method="CASH", payment_date=today)
    credit_note_issue(invoice_id=a.pk, amount=Decimal("50.00"), reason="Beca")

    dashboard = dashboard_get(school_ids=[school.pk], today=today)
    kpis = dashboard["kpis"]

    # Last month: 400 + 300 + 600 (P2's reversal falls in this month, a closed month never changes).
    assert kpis["collected"]["last"] == Decimal("1300.00")
    # This month: 100 + 500 received, 300 + 100 reversed.
    assert kpis["collected"]["this"] == Decimal("200.00")
    assert kpis["collected"]["count"] == 2
    assert dashboard["daily"][-1] == {"date": today, "total": Decimal("200.00"), "count": 2}
    # Due before the month: 1000 + 200 + 300; settled by its first day: 400 + 300 (reversed later)
    # + 200 + 300 (the family payment's allocations); the credit note came after.
    assert kpis["overdue"]["month_start"] == Decimal("300.00")
    # Now: A 1000 - 900 paid - 50 credited; B and C paid.
    assert kpis["overdue"]["total"] == Decimal("50.00")
    # The report views agree (one definition of collected).
    months = {row["month"]: row["collected"] for row in dashboard["monthly"]}
    assert months[first] == Decimal("200.00") and months[last_month] == Decimal("1300.00")


def test_a_day_with_more_reversed_than_received_draws_no_negative_column(school, accountant, today):
    inv = invoice(school, amount="800.00", due=today - datetime.timedelta(days=3))
    earlier = max(today - datetime.timedelta(days=2), today.replace(day=1))
    payment = services.payment_record(invoice_id=inv.pk, amount=Decimal("300.00"), method="CHECK",
                                      payment_date=earlier)
    payment_reverse(payment_id=payment.pk, reason="BOUNCED_CHECK", reversal_date=today)

    html = client_for(accountant).get(reverse("admin:index")).content.decode()

    assert 'height="-' not in html


def test_expected_billing_prices_enrollments_and_issued_counts_the_runs_invoices(school):
    """Hand-computed: colegiatura 2,500.00 (Sep-Jun, due the 10th). In October: A owes 2,500.00;
    B has a 25 % beca: 1,875.00; C a 100 % beca: nothing; D starts in November: nothing; E left
    (inactive): nothing. Expected 4,375.00 in 2 invoices. After the run, F enrolls: expected
    6,875.00, issued 4,375.00, 2,500.00 not issued. Hand-typed invoices and recargos due in
    October are not the run's, and a cancelled run invoice is no longer issued."""
    from fees import services as fee_services
    from fees.calendar import Period
    from fees.runs import billing_run_execute
    from tests.fees.factories import fee_plan, school_year

    october = datetime.date(2026, 10, 5)
    year = school_year(school)
    plan = fee_plan(year)
    a, b, c, d, e, f = (StudentFactory(school=school) for _ in range(6))
    for student in (a, b, c, e):
        fee_services.enrollment_create(student_id=student.pk, plan_id=plan.pk)
    fee_services.enrollment_create(student_id=d.pk, plan_id=plan.pk, starts_on=datetime.date(2026, 11, 1))
    for student, percent in ((b, 25), (c, 100)):
        fee_services.discount_create(student_id=student.pk, kind="SCHOLARSHIP", percent=percent,
                                     concept_kinds=["TUITION"], valid_from=year.starts_on, reason="Beca")
    e.is_active = False
    e.save()
    invoice(school, amount="777.00", due=datetime.date(2026, 10, 10))  # typed in by hand

    before = dashboard_get(school_ids=[school.pk], today=october)["kpis"]["billing"]
    assert before["period"] == "2026-10"
    assert (before["expected"], before["expected_invoices"]) == (Decimal("4375.00"), 2)
    assert (before["issued"], before["issued_invoices"]) == (Decimal("0.00"), 0)

    billing_run_execute(school_id=school.pk, period=Period(2026, 10))
    fee_services.enrollment_create(student_id=f.pk, plan_id=plan.pk)
    after = dashboard_get(school_ids=[school.pk], today=october)["kpis"]["billing"]

    assert (after["expected"], after["expected_invoices"]) == (Decimal("6875.00"), 3)
    assert (after["issued"], after["issued_invoices"]) == (Decimal("4375.00"), 2)
    assert after["missing"] == Decimal("2500.00")
    assert after["rate"] == Decimal("63.64")

    services.invoice_cancel(invoice_id=a.invoices.get().pk)
    cancelled = dashboard_get(school_ids=[school.pk], today=october)["kpis"]["billing"]
    assert (cancelled["issued"], cancelled["issued_invoices"]) == (Decimal("1875.00"), 1)


def test_expected_billing_is_scoped_to_the_schools_asked_for(school, other_school):
    from fees import services as fee_services
    from tests.fees.factories import fee_plan, school_year

    for each in (school, other_school):
        plan = fee_plan(school_year(each))
        fee_services.enrollment_create(student_id=StudentFactory(school=each).pk, plan_id=plan.pk)

    one = dashboard_get(school_ids=[school.pk], today=datetime.date(2026, 10, 5))["kpis"]["billing"]
    both = dashboard_get(school_ids=None, today=datetime.date(2026, 10, 5))["kpis"]["billing"]

    assert one["expected"] == Decimal("2500.00")
    assert both["expected"] == Decimal("5000.00")
