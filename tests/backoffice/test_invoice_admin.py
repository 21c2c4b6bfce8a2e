import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Invoice, InvoiceStatus, Payment
from tests.backoffice.conftest import client_for, invoice, staff_member
from tests.billing.factories import PaymentFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:billing_invoice_changelist"


def change_url(inv):
    return reverse("admin:billing_invoice_change", args=[inv.pk])


def pay_url(inv):
    return reverse("admin:billing_invoice_register_payment", args=[inv.pk])


def listed(response) -> list[str]:
    return [row.number for row in response.context["cl"].result_list]


def test_list_shows_only_the_users_schools(school, other_school, accountant):
    mine = invoice(school)
    invoice(other_school)

    response = client_for(accountant).get(reverse(CHANGELIST))

    assert listed(response) == [mine.number]


def test_search_finds_by_student_name_email_and_number_within_scope(school, other_school, accountant):
    ana = StudentFactory(school=school, first_name="Ana", last_name="Lozano", email="ana@familia.mx")
    mine = invoice(school, student=ana)
    invoice(other_school, student=StudentFactory(school=other_school, first_name="Ana", last_name="Lozano"))
    invoice(school)
    client = client_for(accountant)

    for term in ("Ana Lozano", "ana@familia", mine.number):
        assert listed(client.get(reverse(CHANGELIST), {"q": term})) == [mine.number]


def test_status_filter_uses_the_status_derived_today(school, accountant, today):
    stale = invoice(school, due=today - datetime.timedelta(days=2), status="PENDING")  # sweep not run
    invoice(school, due=today + datetime.timedelta(days=2))

    response = client_for(accountant).get(reverse(CHANGELIST), {"status": "OVERDUE"})

    assert listed(response) == [stale.number]


def test_overdue_bucket_filter_selects_by_days_past_due(school, accountant, today):
    recent = invoice(school, due=today - datetime.timedelta(days=10))
    invoice(school, due=today - datetime.timedelta(days=45))
    invoice(school, due=today + datetime.timedelta(days=1))

    response = client_for(accountant).get(reverse(CHANGELIST), {"overdue": "0-30"})

    assert listed(response) == [recent.number]


def test_status_is_shown_as_a_coloured_badge(school, accountant, today):
    invoice(school, paid="200.00", due=today + datetime.timedelta(days=3), status="PARTIAL")

    html = client_for(accountant).get(reverse(CHANGELIST)).content.decode()

    assert 'class="bo-badge bo-badge-partial" data-status="PARTIAL"' in html


def test_school_filter_offers_only_the_users_schools(school, other_school, db):
    third = type(school).objects.create(name="Colegio Ajeno")
    user = staff_member((school, Role.ACCOUNTANT), (other_school, Role.VIEWER))

    response = client_for(user).get(reverse(CHANGELIST))

    school_filter = next(f for f in response.context["cl"].filter_specs if f.title == "school")
    offered = {str(pk) for pk, _name in school_filter.lookup_choices}
    assert offered == {str(school.pk), str(other_school.pk)}
    assert str(third.pk) not in offered


def test_single_school_user_gets_no_school_filter_or_column(school, accountant):
    invoice(school)

    response = client_for(accountant).get(reverse(CHANGELIST))

    assert all(f.title != "school" for f in response.context["cl"].filter_specs)
    assert "school" not in response.context["cl"].list_display


def test_list_runs_a_constant_number_of_queries(school, accountant, django_assert_max_num_queries):
    client = client_for(accountant)
    for _ in range(3):
        invoice(school)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse(CHANGELIST))
    for _ in range(40):
        invoice(school)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200


def test_cancel_action_is_hidden_from_an_accountant(school, accountant):
    invoice(school)

    response = client_for(accountant).get(reverse(CHANGELIST))

    actions = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert "cancel_selected" not in actions
    assert "export_csv" in actions


def test_cancel_action_cancels_and_reports_each_refusal(school, school_admin):
    clean = invoice(school)
    with_payment = invoice(school, paid="100.00", status="PARTIAL")
    PaymentFactory(invoice=with_payment, amount=Decimal("100.00"))

    response = client_for(school_admin).post(
        reverse(CHANGELIST),
        {"action": "cancel_selected", "_selected_action": [clean.pk, with_payment.pk]},
        follow=True,
    )

    texts = [str(m) for m in response.context["messages"]]
    assert any(clean.number in t and "Cancelled 1" in t for t in texts)
    assert any(with_payment.number in t and "with payments cannot be cancelled" in t for t in texts)
    clean.refresh_from_db()
    with_payment.refresh_from_db()
    assert clean.status == InvoiceStatus.CANCELLED
    assert with_payment.status == InvoiceStatus.PARTIAL


def test_cancel_action_is_refused_for_an_accountant_posting_it_anyway(school, accountant):
    target = invoice(school)

    client_for(accountant).post(
        reverse(CHANGELIST), {"action": "cancel_selected", "_selected_action": [target.pk]}
    )

    target.refresh_from_db()
    assert target.status == InvoiceStatus.PENDING


def test_export_csv_streams_the_selected_invoices_with_derived_status(school, accountant, today):
    late = invoice(school, amount="750.00", paid="50.00", due=today - datetime.timedelta(days=1),
                   status="PARTIAL", description="=HYPERLINK(1)")
    invoice(school)

    response = client_for(accountant).post(
        reverse(CHANGELIST), {"action": "export_csv", "_selected_action": [late.pk]}
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Number"
    assert len(rows) == 2
    assert rows[1][0] == late.number
    assert rows[1][4:9] == ["750.00", "50.00", "700.00", (today - datetime.timedelta(days=1)).isoformat(),
                            "OVERDUE"]
    assert rows[1][9] == "'=HYPERLINK(1)"  # never a live formula in a spreadsheet


def test_export_csv_guards_a_cell_starting_with_a_tab_or_a_carriage_return(school, accountant):
    # Spreadsheets skip a leading tab or CR before looking for the formula sign.
    target = invoice(school, description="\t=1+1")

    response = client_for(accountant).post(
        reverse(CHANGELIST), {"action": "export_csv", "_selected_action": [target.pk]}
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][9] == "'\t=1+1"


def test_invoice_page_lists_payments_and_offers_the_payment_form(school, accountant):
    inv = invoice(school, amount="900.00", paid="100.00", status="PARTIAL")
    payment = PaymentFactory(invoice=inv, amount=Decimal("100.00"))

    response = client_for(accountant).get(change_url(inv))

    html = response.content.decode()
    assert response.status_code == 200
    assert payment.number in html
    assert reverse("admin:billing_payment_receipt", args=[payment.pk]) in html
    assert 'id="payment_form"' in html


def test_partial_payment_goes_through_the_service_and_shows_the_new_status(school, accountant):
    inv = invoice(school, amount="1000.00")

    response = client_for(accountant).post(
        pay_url(inv), {"amount": "400.00", "method": "CASH", "reference": "caja 1"}, follow=True
    )

    inv.refresh_from_db()
    assert inv.paid_amount == Decimal("400.00")
    payment = Payment.objects.get(invoice=inv)
    assert payment.created_by_id == accountant.pk
    assert any("now Partial" in str(m) and payment.number in str(m) for m in response.context["messages"])
    assert 'data-status="PARTIAL"' in response.content.decode()


def test_overpayment_is_shown_as_a_form_error_and_changes_nothing(school, accountant):
    inv = invoice(school, amount="1000.00", paid="600.00", status="PARTIAL")

    response = client_for(accountant).post(pay_url(inv), {"amount": "500.00", "method": "CASH"})

    assert response.status_code == 200
    errors = response.context["payment_form"].errors["amount"]
    assert "exceeds the pending amount" in errors[0] and "$400.00" in errors[0]
    inv.refresh_from_db()
    assert inv.paid_amount == Decimal("600.00")
    assert not Payment.objects.filter(invoice=inv).exists()


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "", "99999999999"])
def test_bad_amounts_are_form_errors_not_payments(school, accountant, amount):
    inv = invoice(school)

    response = client_for(accountant).post(pay_url(inv), {"amount": amount, "method": "CASH"})

    assert response.status_code == 200
    assert "amount" in response.context["payment_form"].errors
    assert not Payment.objects.exists()


def test_future_payment_date_is_refused(school, accountant, today):
    inv = invoice(school)

    response = client_for(accountant).post(
        pay_url(inv), {"amount": "10", "method": "CASH", "payment_date": today + datetime.timedelta(days=1)}
    )

    assert "payment_date" in response.context["payment_form"].errors
    assert not Payment.objects.exists()


def test_viewer_gets_no_payment_form_and_cannot_post_one(school, viewer):
    inv = invoice(school)
    client = client_for(viewer)

    page = client.get(change_url(inv))
    client.post(pay_url(inv), {"amount": "10.00", "method": "CASH"})

    assert page.status_code == 200
    assert page.context["payment_form"] is None
    assert not Payment.objects.exists()


@pytest.mark.parametrize(("status", "paid"), [("CANCELLED", "0.00"), ("PAID", "1000.00")])
def test_cancelled_or_paid_invoice_is_read_only(school, school_admin, status, paid):
    inv = invoice(school, amount="1000.00", paid=paid, status=status)
    client = client_for(school_admin)

    page = client.get(change_url(inv))
    client.post(change_url(inv), {"amount": "5.00", "due_date": "2030-01-01", "description": "x"})

    assert page.context["has_change_permission"] is False
    assert page.context["payment_form"] is None
    inv.refresh_from_db()
    assert inv.amount == Decimal("1000.00")


def test_another_schools_invoice_cannot_be_opened_or_paid_by_url(school, other_school, accountant):
    foreign = invoice(other_school)
    client = client_for(accountant)

    page = client.get(change_url(foreign))
    client.post(pay_url(foreign), {"amount": "10.00", "method": "CASH"})

    assert page.status_code == 302 and page["Location"] == reverse("admin:index")
    assert not Payment.objects.exists()


def test_malformed_invoice_id_redirects_instead_of_failing(accountant):
    response = client_for(accountant).get("/admin/billing/invoice/not-a-uuid/change/")

    assert response.status_code == 302


def test_add_invoice_goes_through_the_service_and_numbers_it(school, accountant, today):
    student = StudentFactory(school=school)

    response = client_for(accountant).post(
        reverse("admin:billing_invoice_add"),
        {"student": student.pk, "amount": "1500.00", "due_date": today.isoformat(),
         "description": "Inscripción"},
    )

    assert response.status_code == 302
    created = Invoice.objects.get(student=student)
    assert created.number.startswith(f"{today.year}-")
    assert created.created_by_id == accountant.pk
    # Typed in, it is one line of its whole amount (every invoice adds up from its lines).
    assert [(line.amount, line.concept.kind, line.source) for line in created.lines.all()] == [
        (Decimal("1500.00"), "OTHER", "MANUAL")
    ]


def test_add_invoice_refuses_a_student_of_another_school(school, other_school, accountant, today):
    foreign = StudentFactory(school=other_school)

    response = client_for(accountant).post(
        reverse("admin:billing_invoice_add"),
        {"student": foreign.pk, "amount": "1500.00", "due_date": today.isoformat()},
    )

    assert response.status_code == 200
    assert "student" in response.context["adminform"].form.errors
    assert not Invoice.objects.exists()


def test_editing_an_amount_below_what_was_paid_is_reported_not_saved(school, school_admin):
    inv = invoice(school, amount="1000.00", paid="600.00", status="PARTIAL")

    response = client_for(school_admin).post(
        change_url(inv),
        {"amount": "500.00", "due_date": inv.due_date.isoformat(), "description": "x"},
        follow=True,
    )

    assert any("lower than the 600.00 already paid" in str(m) for m in response.context["messages"])
    inv.refresh_from_db()
    assert inv.amount == Decimal("1000.00")
