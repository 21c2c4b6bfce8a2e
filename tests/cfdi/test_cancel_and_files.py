"""Cancelling with SAT's reason codes (through the PAC over HTTP), and the XML and PDF downloads."""

import pytest

from cfdi.models import Document
from cfdi.services import stamp_pending
from tests.billing.factories import InvoiceFactory
from tests.cfdi.conftest import pay
from users.models import Role

pytestmark = pytest.mark.django_db


def cancel(client, document, **body):
    return client.post(f"/api/v1/cfdi-documents/{document.pk}/cancel", body)


def test_an_admin_cancels_with_reason_02_through_the_pac(
    school, invoice, profile, pac_server, issue_now, client_of
):
    document = issue_now(invoice)
    response = cancel(client_of(school, Role.ADMIN), document, reason="02")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("CANCELLED", "02")
    assert pac_server.fake.cancelled == {document.uuid: "02"}
    assert any(f"/cfdi33/cancel/{profile.rfc}/{document.uuid}/02" in path for path in pac_server.requests)
    # Cancelled, the invoice may be issued again.
    assert issue_now(invoice).status == "STAMPED"


def test_reason_01_needs_the_uuid_of_a_stamped_replacement(
    school, invoice, profile, student, issue_now, client_of
):
    document = issue_now(invoice)
    client = client_of(school, Role.ADMIN)
    response = cancel(client, document, reason="01")
    assert (response.status_code, response.json()["code"]) == (400, "replacement_required")
    response = cancel(client, document, reason="01", replacement_uuid="6F0E7A0F-0000-4000-8000-000000000000")
    assert (response.status_code, response.json()["code"]) == (400, "replacement_required")
    replacement = issue_now(InvoiceFactory(student=student, description="Colegiatura corregida"))
    response = cancel(client, document, reason="01", replacement_uuid=replacement.uuid.lower())
    assert response.status_code == 200, response.json()
    assert response.json()["replacement_uuid"] == replacement.uuid


def test_a_uuid_with_another_reason_is_refused(school, invoice, profile, issue_now, client_of):
    document = issue_now(invoice)
    response = cancel(client_of(school, Role.ADMIN), document, reason="03", replacement_uuid=document.uuid)
    assert (response.status_code, response.json()["code"]) == (400, "replacement_required")


def test_an_unknown_reason_is_a_400(school, invoice, profile, issue_now, client_of):
    response = cancel(client_of(school, Role.ADMIN), issue_now(invoice), reason="05")
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert "reason" in response.json()["fields"]


def test_cancelling_twice_is_a_409(school, invoice, profile, issue_now, client_of):
    document = issue_now(invoice)
    client = client_of(school, Role.ADMIN)
    assert cancel(client, document, reason="03").status_code == 200
    response = cancel(client, document, reason="03")
    assert (response.status_code, response.json()["code"]) == (409, "cfdi_not_cancellable")


def test_an_invoice_cfdi_with_payment_complements_is_not_cancelled(
    school, invoice, profile, issue_now, client_of
):
    document = issue_now(invoice)
    pay(invoice, "500.00")
    stamp_pending()
    response = cancel(client_of(school, Role.ADMIN), document, reason="02")
    assert (response.status_code, response.json()["code"]) == (409, "cfdi_has_payment_complements")
    complement = Document.objects.get(kind="P")
    assert cancel(client_of(school, Role.ADMIN), complement, reason="02").status_code == 200
    assert cancel(client_of(school, Role.ADMIN), document, reason="02").status_code == 200


def test_the_pacs_refusal_is_a_409_with_its_reason_and_nothing_changes(
    school, invoice, profile, pac_server, issue_now, client_of
):
    document = issue_now(invoice)
    pac_server.fake.stamped.clear()  # the PAC no longer knows this UUID
    response = cancel(client_of(school, Role.ADMIN), document, reason="02")
    assert (response.status_code, response.json()["code"]) == (409, "pac_refused")
    assert "205" in response.json()["detail"]
    document.refresh_from_db()
    assert document.status == "STAMPED"


def test_a_pac_that_does_not_answer_is_a_503_and_nothing_changes(
    school, invoice, profile, pac_server, issue_now, client_of, settings
):
    document = issue_now(invoice)
    pac_server.mode = "hold"
    settings.CFDI_PAC_TIMEOUT = 0.5
    response = cancel(client_of(school, Role.ADMIN), document, reason="02")
    assert (response.status_code, response.json()["code"]) == (503, "pac_unavailable")
    document.refresh_from_db()
    assert document.status == "STAMPED"


def test_an_accountant_cannot_cancel(school, invoice, profile, issue_now, client_of):
    response = cancel(client_of(school, Role.ACCOUNTANT), issue_now(invoice), reason="02")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_the_pdf_of_a_stamped_cfdi(school, invoice, profile, issue_now, client_of):
    pytest.importorskip("weasyprint")
    document = issue_now(invoice)
    response = client_of(school, Role.VIEWER).get(f"/api/v1/cfdi-documents/{document.pk}/pdf")
    if response.status_code == 503:
        pytest.skip("no Pango on this machine")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(
        b"%PDF"
    )


def test_a_document_without_a_stamp_has_no_pdf(school, invoice, profile, pac_server, issue_now, client_of):
    pac_server.mode = "error"
    document = issue_now(invoice)
    response = client_of(school, Role.VIEWER).get(f"/api/v1/cfdi-documents/{document.pk}/pdf")
    assert (response.status_code, response.json()["code"]) == (409, "cfdi_not_stamped")


def test_another_schools_document_is_a_404_everywhere(
    school, other_school, invoice, profile, issue_now, client_of
):
    document = issue_now(invoice)
    client = client_of(other_school, Role.ADMIN)
    for suffix in ("", "/xml", "/pdf"):
        assert client.get(f"/api/v1/cfdi-documents/{document.pk}{suffix}").status_code == 404
    assert cancel(client, document, reason="02").status_code == 404
