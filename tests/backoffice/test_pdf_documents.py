"""Receipts and statements as PDFs: the print pages laid out by WeasyPrint, in the admin and the API."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing.services import payment_record
from core import pdf as core_pdf
from tests.backoffice.conftest import client_for, invoice, staff_member
from tests.conftest import authenticated_client, member
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db


def api_client_for(school, role=Role.VIEWER):
    client = authenticated_client(member(school, role))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read English amounts (1,500.00)
    return client


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def paid(school):
    student = StudentFactory(school=school, first_name="Lucía", last_name="Méndez")
    bill = invoice(school, student=student, amount="2500.00", description="Colegiatura marzo 2026")
    payment = payment_record(invoice_id=bill.pk, amount=Decimal("1000.00"), method="BANK_TRANSFER",
                             reference="SPEI 4471")
    return student, bill, payment


def test_receipt_pdf_in_the_api_carries_school_number_amount_and_pending(school, paid):
    student, bill, payment = paid
    client = api_client_for(school)

    response = client.get(f"/api/v1/payments/{payment.pk}/receipt")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="recibo-{payment.number}.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert school.name in text
    assert payment.number in text
    assert "Lucía Méndez" in text
    assert "1,000.00" in text and "1,500.00" in text  # received; pending on the invoice
    assert bill.number in text


def test_receipt_pdf_of_another_schools_payment_is_a_json_404(school, paid):
    _, _, payment = paid
    outsider = authenticated_client(member(SchoolFactory(), Role.ADMIN))

    response = outsider.get(f"/api/v1/payments/{payment.pk}/receipt")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_receipt_pdf_needs_a_token(api_client, paid):
    response = api_client.get(f"/api/v1/payments/{paid[2].pk}/receipt")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_student_statement_format_pdf_is_the_printable_statement(school, paid):
    student, bill, payment = paid
    client = api_client_for(school)

    response = client.get(f"/api/v1/students/{student.pk}/statement", {"format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Lucía Méndez" in text
    assert bill.number in text and payment.number in text
    assert "1,500.00" in text  # closing balance


def test_student_statement_pdf_through_the_accept_header(school, paid):
    client = api_client_for(school)

    response = client.get(f"/api/v1/students/{paid[0].pk}/statement", HTTP_ACCEPT="application/pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_student_statement_without_format_stays_json(school, paid):
    client = api_client_for(school)

    response = client.get(f"/api/v1/students/{paid[0].pk}/statement")

    assert response["Content-Type"] == "application/json"
    assert response.json()["closing_balance"] == 1500


def test_student_statement_pdf_with_a_bad_period_is_a_json_400(school, paid):
    client = api_client_for(school)

    response = client.get(f"/api/v1/students/{paid[0].pk}/statement",
                          {"format": "pdf", "from": "2026-05-01", "to": "2026-01-01"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["fields"] == {"to": ["Must be on or after from."]}


def test_pdf_without_weasyprint_answers_503_pdf_unavailable(school, paid, monkeypatch):
    def missing():
        raise core_pdf.PdfUnavailable()

    monkeypatch.setattr(core_pdf, "_weasyprint", missing)
    client = api_client_for(school)

    response = client.get(f"/api/v1/payments/{paid[2].pk}/receipt")

    assert response.status_code == 503
    assert response.json()["code"] == "pdf_unavailable"


def test_admin_receipt_and_statement_offer_and_serve_the_pdf(school, paid):
    student, _, payment = paid
    client = client_for(staff_member((school, Role.VIEWER)))
    receipt_url = reverse("admin:billing_payment_receipt", args=[payment.pk])
    statement_url = reverse("admin:students_student_statement", args=[student.pk])

    page = client.get(receipt_url)
    receipt = client.get(receipt_url, {"format": "pdf"})
    statement = client.get(statement_url, {"paper": "letter", "format": "pdf"})

    assert 'id="pdf-link"' in page.content.decode()
    assert receipt["Content-Type"] == "application/pdf" and payment.number in pdf_text(receipt.content)
    assert statement["Content-Type"] == "application/pdf"
    # Letter paper, as picked on the page: 8.5 x 11 in = 612 x 792 pt.
    box = PdfReader(io.BytesIO(statement.content)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_documents_never_fetch_urls_other_than_local_static_files():
    with pytest.raises(ValueError):
        core_pdf._local_resource("http://169.254.169.254/latest/meta-data")
    with pytest.raises(ValueError):
        core_pdf._local_resource("file:///etc/passwd")
    css, mime_type = core_pdf._local_resource("https://documents.invalid/static/backoffice/print.css")
    assert b".bo-sheet" in css and mime_type == "text/css"
