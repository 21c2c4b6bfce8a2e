"""The family desk's money pages: credit, printable statement (and PDF), family payment form."""

import datetime
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing.corrections import credit_note_issue, payment_reverse
from billing.credit import AllocationRequest, family_payment_record, family_refund_create
from billing.models import Allocation, Invoice, Payment
from core.dates import local_today
from tests.backoffice.conftest import client_for, staff_member
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.families.factories import FamilyFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def days(n: int) -> datetime.date:
    return local_today() + datetime.timedelta(days=n)


@pytest.fixture
def family(school):
    return FamilyFactory(school=school, name="Familia Méndez")


@pytest.fixture
def children(family):
    return [
        StudentFactory(school=family.school, family=family, first_name="Lucía", last_name="Méndez"),
        StudentFactory(school=family.school, family=family, first_name="Pablo", last_name="Méndez"),
    ]


def bill(student, amount: str, due: int) -> Invoice:
    return InvoiceFactory(student=student, school=student.school, amount=D(amount), due_date=days(due))


@pytest.fixture
def history(family, children):
    """A: 300 (Lucía, due -10), B: 200 (Pablo, due -5), C: 400 (Pablo, due +20).
    Payment 1: 600 oldest first (A 300, B 200, C 100). Credit note 100 on C. Payment 2: 350, of which
    200 to C, 150 credit. A 40 payment, all credit, reversed (bounced). Refund 50. Credit now 100."""
    lucia, pablo = children
    a, b, c = bill(lucia, "300.00", -10), bill(pablo, "200.00", -5), bill(pablo, "400.00", 20)
    first = family_payment_record(family_id=family.pk, amount=D("600.00"), method="BANK_TRANSFER",
                                  reference="SPEI 1")
    note = credit_note_issue(invoice_id=c.pk, amount=D("100.00"), reason="Beca 10%")
    second = family_payment_record(family_id=family.pk, amount=D("350.00"), method="CASH",
                                   allocations=[AllocationRequest(invoice_id=c.pk, amount=D("200.00"))])
    bounced = family_payment_record(family_id=family.pk, amount=D("40.00"), method="CHECK",
                                    allocations=[])
    reversal = payment_reverse(payment_id=bounced.pk, reason="BOUNCED_CHECK")
    refund = family_refund_create(family_id=family.pk, amount=D("50.00"), method="CASH")
    return {"invoices": (a, b, c), "first": first, "second": second, "bounced": bounced,
            "reversal": reversal, "note": note, "refund": refund}


def test_the_credit_page_shows_the_balance_and_where_it_came_from(school, family, history):
    client = client_for(staff_member((school, Role.VIEWER)))

    response = client.get(reverse("admin:families_family_credit", args=[family.pk]))

    assert response.status_code == 200
    credit = response.context["credit"]
    # 350 - 200 unallocated (the reversed 40 no longer counts), less the refund of 50.
    assert (credit["unallocated"], credit["refunded"], credit["credit_balance"]) == (
        D("150.00"), D("50.00"), D("100.00"),
    )
    assert [p.number for p in credit["payments"]] == [history["second"].number, history["bounced"].number]
    html = response.content.decode()
    assert history["refund"].number in html and history["reversal"].number in html
    assert history["note"].number in html and "Beca 10%" in html
    assert '<strong id="credit-balance">$100.00</strong>' in html


def test_the_family_statement_page_lists_every_child_and_movement_with_a_running_balance(
    school, family, history
):
    client = client_for(staff_member((school, Role.VIEWER)))

    response = client.get(reverse("admin:families_family_statement", args=[family.pk]))

    assert response.status_code == 200
    statement = response.context["statement"]
    # Charges 900 (+40 reversed, +50 refunded); credits 600 + 100 + 350 + 40: closes 100 in credit.
    assert statement["closing_balance"] == D("-100.00") and statement["credit_balance"] == D("100.00")
    kinds = [m["type"] for m in response.context["movements"]]
    assert sorted(set(kinds)) == ["CHARGE", "CREDIT_NOTE", "PAYMENT", "REFUND", "REVERSAL"]
    html = response.content.decode()
    assert "Lucía Méndez" in html and "Pablo Méndez" in html and family.reference in html
    assert 'id="closing-balance">\u2212$100.00<' in html
    assert "Bounced check" in html and "Payment reversal" in html
    assert 'id="pdf-link"' in html


def test_the_family_statement_pdf_from_the_admin_and_the_api(school, family, history, viewer):
    admin_client = client_for(staff_member((school, Role.VIEWER)))
    viewer.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = admin_client.get(reverse("admin:families_family_statement", args=[family.pk]),
                            {"paper": "letter", "format": "pdf"})
    answer = viewer.get(f"/api/v1/families/{family.pk}/statement", {"format": "pdf"})

    for response in (page, answer):
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert "Familia Méndez" in text and family.reference in text
        assert "Lucía Méndez" in text and "Pablo Méndez" in text
        assert history["refund"].number in text
    assert f"{family.reference}.pdf" in answer["Content-Disposition"]
    box = PdfReader(io.BytesIO(page.content)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # Letter


def test_the_family_statement_pdf_of_another_schools_family_is_a_json_404(family, history):
    outsider = authenticated_client(member(SchoolFactory(), Role.ADMIN))

    response = outsider.get(f"/api/v1/families/{family.pk}/statement", {"format": "pdf"})

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


def test_the_family_statement_without_pdf_rendering_answers_503(family, history, monkeypatch, viewer):
    from core import pdf as core_pdf

    def missing():
        raise core_pdf.PdfUnavailable()

    monkeypatch.setattr(core_pdf, "_weasyprint", missing)

    response = viewer.get(f"/api/v1/families/{family.pk}/statement", {"format": "pdf"})

    assert response.status_code == 503 and response.json()["code"] == "pdf_unavailable"


def test_the_family_page_shows_what_it_owes_its_credit_and_the_money_links(school, family, history):
    client = client_for(staff_member((school, Role.ACCOUNTANT)))

    response = client.get(reverse("admin:families_family_change", args=[family.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="family-pending">$0.00<' in html  # A and B paid; C: 400 - 300 paid - 100 credited
    assert 'id="family-credit">$100.00<' in html
    for link in ("family-statement-link", "family-credit-link", "family-payment-link"):
        assert f'id="{link}"' in html


def test_a_viewer_sees_no_payment_link_and_cannot_post_a_family_payment(school, family, children):
    bill(children[0], "300.00", -10)
    client = client_for(staff_member((school, Role.VIEWER)))

    page = client.get(reverse("admin:families_family_change", args=[family.pk]))
    response = client.post(reverse("admin:families_family_payment", args=[family.pk]),
                           {"amount": "300.00", "method": "CASH", "mode": "oldest"})

    assert 'id="family-payment-link"' not in page.content.decode()
    assert response.status_code == 302
    assert not Payment.objects.exists()


def test_the_family_list_shows_owes_and_credit_in_a_constant_number_of_queries(
    school, django_assert_max_num_queries
):
    client = client_for(staff_member((school, Role.VIEWER)))
    for n in range(3):
        family = FamilyFactory(school=school)
        bill(StudentFactory(school=school, family=family), "100.00", n)
    url = reverse("admin:families_family_changelist")
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    for n in range(10):
        family = FamilyFactory(school=school)
        bill(StudentFactory(school=school, family=family), "100.00", n)
        family_payment_record(family_id=family.pk, amount=D("150.00"), method="CASH")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200 and "50.00" in response.content.decode()


# --- the family payment form ----------------------------------------------------------------


def pay_url(family) -> str:
    return reverse("admin:families_family_payment", args=[family.pk])


def form_of(client, family) -> dict:
    page = client.get(pay_url(family))
    assert page.status_code == 200
    return {"submission": page.context["form"].initial["submission"]}


def test_the_payment_form_lists_the_open_invoices_oldest_first(school, family, children):
    lucia, pablo = children
    later, oldest = bill(lucia, "500.00", 20), bill(pablo, "300.00", -5)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))

    page = client.get(pay_url(family))

    assert [invoice.pk for invoice in page.context["form"].invoices] == [oldest.pk, later.pk]
    assert 'id="family-open-total">$800.00<' in page.content.decode()


def test_one_deposit_pays_both_children_oldest_first_and_the_rest_is_credit(school, family, children):
    lucia, pablo = children
    later, oldest = bill(lucia, "500.00", 20), bill(pablo, "300.00", -5)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    token = form_of(client, family)

    response = client.post(pay_url(family), {
        **token, "amount": "1000.00", "method": "BANK_TRANSFER", "reference": "SPEI 77", "mode": "oldest",
    }, follow=True)

    payment = Payment.objects.get()
    assert payment.family_id == family.pk and payment.amount == D("1000.00")
    assert sorted((a.invoice_id, a.amount) for a in Allocation.objects.all()) == sorted(
        [(oldest.pk, D("300.00")), (later.pk, D("500.00"))]
    )
    assert response.redirect_chain[-1][0] == reverse("admin:families_family_credit", args=[family.pk])
    html = response.content.decode()
    assert f"Payment {payment.number} registered" in html and "$200.00 left as the family" in html


def test_a_double_post_of_the_same_form_records_one_payment(school, family, children):
    bill(children[0], "500.00", -5)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    body = {**form_of(client, family), "amount": "200.00", "method": "CASH", "mode": "oldest"}

    client.post(pay_url(family), body)
    again = client.post(pay_url(family), body, follow=True)

    assert Payment.objects.count() == 1
    assert "already submitted" in again.content.decode()


def test_amounts_as_chosen_go_to_those_invoices_and_the_rest_is_credit(school, family, children):
    lucia, pablo = children
    older, newer = bill(lucia, "300.00", -5), bill(pablo, "400.00", 10)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))

    client.post(pay_url(family), {
        **form_of(client, family), "amount": "500.00", "method": "CASH", "mode": "chosen",
        f"allocation_{newer.pk}": "400.00", f"allocation_{older.pk}": "",
    })

    payment = Payment.objects.get()
    assert [(a.invoice_id, a.amount) for a in Allocation.objects.all()] == [(newer.pk, D("400.00"))]
    assert payment.amount - payment.allocated_amount == D("100.00")
    assert Invoice.objects.get(pk=older.pk).paid_amount == D("0.00")


def test_an_amount_above_an_invoices_pending_is_shown_on_it_and_nothing_is_recorded(
    school, family, children
):
    invoice = bill(children[0], "300.00", -5)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))

    response = client.post(pay_url(family), {
        **form_of(client, family), "amount": "500.00", "method": "CASH", "mode": "chosen",
        f"allocation_{invoice.pk}": "350.00",
    })

    assert response.status_code == 200
    assert response.context["form"].errors[f"allocation_{invoice.pk}"] == [
        "At most $300.00 is pending on this invoice."
    ]
    assert not Payment.objects.exists()


def test_chosen_amounts_above_the_payment_are_refused_and_the_form_can_be_sent_again(
    school, family, children
):
    a, b = bill(children[0], "300.00", -5), bill(children[1], "300.00", -4)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    body = {**form_of(client, family), "amount": "400.00", "method": "CASH", "mode": "chosen",
            f"allocation_{a.pk}": "300.00", f"allocation_{b.pk}": "200.00"}

    refused = client.post(pay_url(family), body)
    corrected = client.post(pay_url(family), {**body, f"allocation_{b.pk}": "100.00"})

    assert refused.status_code == 200
    assert "add up to more than the payment" in refused.content.decode()
    assert corrected.status_code == 302
    assert Payment.objects.count() == 1 and Payment.objects.get().allocated_amount == D("400.00")


@pytest.mark.parametrize("amount", ["-5.00", "0", "10000000000.00", "abc"])
def test_a_bad_amount_is_a_form_error(school, family, children, amount):
    bill(children[0], "300.00", -5)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))

    response = client.post(pay_url(family), {**form_of(client, family), "amount": amount, "method": "CASH",
                                             "mode": "oldest"})

    assert response.status_code == 200 and "amount" in response.context["form"].errors
    assert not Payment.objects.exists()


def test_chosen_mode_without_any_amount_is_a_form_error(school, family, children):
    bill(children[0], "300.00", -5)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))

    response = client.post(pay_url(family), {**form_of(client, family), "amount": "100.00", "method": "CASH",
                                             "mode": "chosen"})

    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Payment.objects.exists()


def test_another_schools_family_pages_are_not_found(school, other_school):
    foreign = FamilyFactory(school=other_school)
    client = client_for(staff_member((school, Role.ADMIN)))

    for name in ("credit", "statement", "payment"):
        response = client.get(reverse(f"admin:families_family_{name}", args=[foreign.pk]))
        assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    response = client.post(pay_url(foreign), {"amount": "10.00", "method": "CASH", "mode": "oldest"})
    assert response.status_code == 302 and not Payment.objects.exists()


# --- a family payment elsewhere in the back office ------------------------------------------


def test_the_payments_list_and_page_show_a_family_payment(school, family, history):
    client = client_for(staff_member((school, Role.VIEWER)))
    payment = history["first"]

    listing = client.get(reverse("admin:billing_payment_changelist"))
    page = client.get(reverse("admin:billing_payment_change", args=[payment.pk]))

    assert listing.status_code == 200 and payment.number in listing.content.decode()
    assert page.status_code == 200


def test_a_family_payments_receipt_lists_where_the_money_went(school, family, history, viewer):
    client = client_for(staff_member((school, Role.VIEWER)))
    viewer.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    payment = history["first"]
    a, b, c = history["invoices"]

    page = client.get(reverse("admin:billing_payment_receipt", args=[payment.pk]))
    pdf = viewer.get(f"/api/v1/payments/{payment.pk}/receipt")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Familia Méndez" in html and family.reference in html
    for invoice in (a, b, c):
        assert invoice.number in html
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert payment.number in text and c.number in text


def test_a_payment_dated_before_the_schools_floor_is_shown_on_the_date(school, family, children):
    bill(children[0], "300.00", -5)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))

    response = client.post(pay_url(family), {**form_of(client, family), "amount": "100.00", "method": "CASH",
                                             "payment_date": "1900-01-01", "mode": "oldest"})

    assert response.status_code == 200 and "payment_date" in response.context["form"].errors
    assert not Payment.objects.exists()


def test_the_family_lists_count_reads_families_only_and_its_page_groups_nothing(school, family, history):
    """At the benchmark's size (27,000 families) a GROUP BY made the page compute every family's
    figures before sorting (15 s) and the count compute them again (11 s)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(staff_member((school, Role.VIEWER)))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("admin:families_family_changelist"))

    assert response.status_code == 200 and family.name in response.content.decode()
    family_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "families_family"' in q["sql"]]
    counts = [sql for sql in family_reads if "COUNT(*)" in sql]
    assert counts and all("billing_" not in sql for sql in counts)
    assert all("GROUP BY" not in sql.split("FROM \"families_family\"")[-1] for sql in family_reads)
