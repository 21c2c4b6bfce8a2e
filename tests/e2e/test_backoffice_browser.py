"""A school accountant's day at the desk, in a real browser."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from billing import services
from billing.models import Invoice, Payment
from core.dates import local_today
from schools.models import School
from tests.students.factories import StudentFactory
from tests.users.factories import MembershipFactory, UserFactory
from users.models import Role

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def desk():
    """Demo data for two schools, an accountant of the first, one open invoice at each school."""
    call_command("seed", schools=2, students_per_school=12, months=8, seed=7, verbosity=0)
    mine, theirs = School.objects.order_by("name")[:2]
    accountant = UserFactory(username="contadora", is_staff=True)
    MembershipFactory(user=accountant, school=mine, role=Role.ACCOUNTANT)
    student = StudentFactory(school=mine, first_name="Valeria", last_name="Ortega Ruiz")
    due = local_today() + datetime.timedelta(days=12)
    invoice = services.invoice_create(
        student_id=student.pk, amount=Decimal("1000.00"), due_date=due, description="Colegiatura"
    )
    foreign = services.invoice_create(
        student_id=StudentFactory(school=theirs).pk, amount=Decimal("777.00"), due_date=due
    )
    return {"user": accountant, "invoice": invoice, "foreign": foreign, "student": student}


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url == f"{live_server.url}/admin/"


def submit(page, selector):
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def test_accountant_sees_the_dashboard_with_its_charts_drawn(page, live_server, desk, artifacts):
    log_in(page, live_server, desk["user"])

    for chart in ("#chart-monthly", "#chart-daily", "#chart-aging"):
        svg = page.locator(chart)
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box["width"] > 200 and box["height"] > 80
        drawn = page.locator(f"{chart} .bo-bars rect").evaluate_all(
            "rects => rects.filter(r => r.getBBox().height > 0 && r.getBBox().width > 0).length"
        )
        assert drawn > 0, f"{chart} has no visible bars"
    assert page.locator("#kpi-collected .bo-kpi-value").inner_text().startswith("$")
    assert page.locator(".bo-debtors tr").count() > 0
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)



def test_accountant_registers_a_partial_payment_and_an_overpayment_is_refused(
    page, live_server, desk, artifacts
):
    invoice = desk["invoice"]
    log_in(page, live_server, desk["user"])
    page.goto(f"{live_server.url}/admin/billing/invoice/?q={invoice.number}")
    submit(page, f"#result_list a:text-is('{invoice.number}')")
    assert page.locator("#invoice-status [data-status]").get_attribute("data-status") == "PENDING"

    page.fill("#id_amount", "400.00")
    page.select_option("#id_method", "CASH")
    page.fill("#id_reference", "Caja 1")
    submit(page, "#payment_form button[type=submit]")

    expect(page.locator("#invoice-status [data-status]")).to_have_attribute("data-status", "PARTIAL")
    assert page.locator("ul.messagelist li.success").count() == 1
    assert page.locator("#invoice-payments tbody tr").count() == 1

    page.fill("#id_amount", "700.00")
    submit(page, "#payment_form button[type=submit]")

    error = page.locator("#register-payment .errorlist")
    expect(error).to_be_visible()
    expect(error).to_contain_text("600")  # what is still pending
    assert page.locator("#invoice-status [data-status]").get_attribute("data-status") == "PARTIAL"
    page.screenshot(path=str(artifacts / "invoice.png"), full_page=True)
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("400.00")
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_accountant_opens_and_prints_the_account_statement(page, live_server, desk, artifacts):
    invoice = desk["invoice"]
    services.payment_record(invoice_id=invoice.pk, amount=Decimal("250.00"), method="BANK_TRANSFER")
    log_in(page, live_server, desk["user"])
    page.goto(f"{live_server.url}/admin/billing/invoice/{invoice.pk}/change/")

    submit(page, "#statement-link")

    expect(page.locator("#statement-movements")).to_be_visible()
    assert "Valeria Ortega Ruiz" in page.locator("#statement-student").inner_text()
    assert page.locator("#statement-movements tbody tr").count() == 3  # opening, charge, payment
    assert "750" in page.locator("#closing-balance").inner_text()
    page.screenshot(path=str(artifacts / "statement.png"), full_page=True)

    page.emulate_media(media="print")
    assert not page.locator(".bo-toolbar").is_visible()  # the toolbar never reaches the paper
    pdf = page.pdf(path=str(artifacts / "statement.pdf"), prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000


def test_another_schools_invoice_cannot_be_opened_by_url(page, live_server, desk):
    foreign = desk["foreign"]
    log_in(page, live_server, desk["user"])

    page.goto(f"{live_server.url}/admin/billing/invoice/{foreign.pk}/change/")

    # Treated as if it did not exist: back to the index with the admin's "does not exist" note.
    assert page.url == f"{live_server.url}/admin/"
    assert page.locator("ul.messagelist li.warning").count() == 1
    assert page.locator("#invoice-summary").count() == 0
    assert foreign.student.full_name not in page.content()
    assert Invoice.objects.get(pk=foreign.pk).paid_amount == Decimal("0.00")

