"""Issuing and stamping: through satcfdi's SW Sapien client against the fake PAC over HTTP (its
answers, its refusals, its silence), the background job and its retries, and the API's refusals."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from lxml import etree

from billing import services as billing_services
from billing.corrections import payment_reverse
from cfdi import build
from cfdi.models import Document, DocumentStatus
from cfdi.services import document_stamp, stamp_pending
from tests.billing.factories import InvoiceFactory
from tests.cfdi.conftest import pay
from tests.conftest import authenticated_client, member
from users.models import Role, User

pytestmark = pytest.mark.django_db

TFD = "{http://www.sat.gob.mx/TimbreFiscalDigital}TimbreFiscalDigital"


def issue(client, invoice):
    return client.post(f"/api/v1/invoices/{invoice.pk}/cfdi")


def issued(client, invoice) -> dict:
    """Issue, then read the document back once the stamping job (run on commit) is done. (In a
    test the request's commit is the test's, so the POST's own answer still shows the DRAFT.)"""
    response = issue(client, invoice)
    assert response.status_code == 201, response.json()
    return client.get(f"/api/v1/cfdi-documents/{response.json()['id']}").json()


def test_an_accountant_issues_and_the_pac_stamps_it(school, invoice, profile, pac_server, client_of):
    body = issued(client_of(school, Role.ACCOUNTANT), invoice)
    assert (body["status"], body["kind"], body["payment_method"], body["series"]) == (
        "STAMPED",
        "I",
        "PPD",
        "A",
    )
    document = Document.objects.get(pk=body["id"])
    root = etree.fromstring(bytes(document.xml))
    timbre = root.find(f".//{TFD}")
    assert timbre.get("UUID") == document.uuid == body["uuid"]
    assert timbre.get("SelloCFD") == root.get("Sello")
    build.validate_xml(bytes(document.xml))  # the stamped XML, timbre and IEDU included
    assert any(path.endswith("/stamp/v4") for path in pac_server.requests)


def test_a_second_issue_of_the_same_invoice_is_a_409_and_adds_nothing(school, invoice, profile, client_of):
    client = client_of(school, Role.ACCOUNTANT)
    assert issue(client, invoice).status_code == 201
    response = issue(client, invoice)
    assert (response.status_code, response.json()["code"]) == (409, "cfdi_already_issued")
    assert Document.objects.filter(invoice=invoice).count() == 1


def test_a_cancelled_invoice_gets_no_cfdi(school, invoice, profile, client_of):
    billing_services.invoice_cancel(invoice_id=invoice.pk)
    response = issue(client_of(school, Role.ACCOUNTANT), invoice)
    assert (response.status_code, response.json()["code"]) == (409, "invoice_not_issuable")
    assert not Document.objects.exists()


def test_a_school_without_fiscal_profile_is_a_409(school, invoice, client_of):
    response = issue(client_of(school, Role.ACCOUNTANT), invoice)
    assert (response.status_code, response.json()["code"]) == (409, "fiscal_profile_missing")


def test_incomplete_fiscal_data_is_a_400_naming_the_field_and_nothing_is_stored(
    school, invoice, profile, student, client_of
):
    student.curp = ""
    student.save()
    response = issue(client_of(school, Role.ACCOUNTANT), invoice)
    assert (response.status_code, response.json()["code"]) == (400, "fiscal_data_incomplete")
    assert "student.curp" in response.json()["fields"]
    assert not Document.objects.exists()


def test_a_viewer_cannot_issue_and_another_school_sees_nothing(
    school, other_school, invoice, profile, client_of
):
    response = issue(client_of(school, Role.VIEWER), invoice)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert issue(client_of(other_school, Role.ADMIN), invoice).status_code == 404
    assert not Document.objects.exists()


def test_the_pacs_refusal_fails_the_document_with_its_reason(
    school, invoice, profile, pac_server, family, client_of
):
    pac_server.fake.refused_rfcs = frozenset({family.rfc})
    body = issued(client_of(school, Role.ACCOUNTANT), invoice)
    assert (body["status"], body["pac_code"]) == ("FAILED", "CFDI40145")
    assert "lista de RFC inscritos" in body["pac_message"]
    # A FAILED document is not live: once the data is fixed, the invoice can be issued again.
    pac_server.fake.refused_rfcs = frozenset()
    assert issued(client_of(school, Role.ACCOUNTANT), invoice)["status"] == "STAMPED"


def test_a_pac_that_does_not_answer_leaves_a_draft_that_the_job_stamps_later(
    invoice, profile, pac_server, issue_now, settings
):
    pac_server.mode = "hold"  # the client's timeout cuts it
    settings.CFDI_PAC_TIMEOUT = 0.5
    document = issue_now(invoice)
    document.refresh_from_db()
    assert (document.status, document.attempts, document.pac_code) == ("DRAFT", 1, "pac_unavailable")
    pac_server.mode, settings.CFDI_PAC_TIMEOUT = "ok", 10
    assert stamp_pending()["stamped"] == 1
    document.refresh_from_db()
    assert (document.status, document.attempts, document.pac_code) == ("STAMPED", 2, "")


def test_a_pac_that_stays_down_fails_the_document_after_the_last_attempt(
    invoice, profile, pac_server, settings, issue_now
):
    pac_server.mode = "error"  # HTTP 500 to everything
    document = issue_now(invoice)
    for _ in range(settings.CFDI_STAMP_MAX_ATTEMPTS - 1):
        outcome = document_stamp(document_id=document.pk)
    assert (outcome.document.status, outcome.document.attempts) == (
        "FAILED",
        settings.CFDI_STAMP_MAX_ATTEMPTS,
    )
    assert outcome.document.pac_code == "pac_unavailable"


def test_a_document_held_by_another_job_is_not_sent_twice(invoice, profile, pac_server, issue_now, settings):
    pac_server.mode = "hold"
    settings.CFDI_PAC_TIMEOUT = 0.5
    document = issue_now(invoice)
    Document.objects.filter(pk=document.pk).update(claimed_until="2999-01-01T00:00:00Z")
    pac_server.mode = "ok"
    requests_before = len(pac_server.requests)
    assert document_stamp(document_id=document.pk).document.status == DocumentStatus.DRAFT
    assert len(pac_server.requests) == requests_before


def test_recording_a_payment_never_calls_the_pac(invoice, profile, pac_server, issue_now, settings):
    issue_now(invoice)
    pac_server.mode = "hold"  # a call would hang for the client's timeout and show in requests
    settings.CFDI_PAC_TIMEOUT = 0.5
    requests_before = len(pac_server.requests)
    pay(invoice, "1000.00")
    assert len(pac_server.requests) == requests_before


def test_the_command_prepares_and_stamps_one_payment_complement_per_payment(
    invoice, profile, capsys, issue_now
):
    first = issue_now(invoice)
    first.refresh_from_db()
    assert (first.status, first.payment_method) == ("STAMPED", "PPD")
    pay(invoice, "1000.00", method="CASH")
    pay(invoice, "2500.00", method="BANK_TRANSFER")
    call_command("stamp_cfdi")
    assert "prepared: 2; stamped: 2" in capsys.readouterr().out
    complements = list(Document.objects.filter(kind="P").order_by("installment"))
    assert [(c.installment, c.balance_before, c.amount, c.payment_form, c.status) for c in complements] == [
        (1, Decimal("3500.00"), Decimal("1000.00"), "01", "STAMPED"),
        (2, Decimal("2500.00"), Decimal("2500.00"), "03", "STAMPED"),
    ]
    ns = {"pago20": "http://www.sat.gob.mx/Pagos20", "cfdi": "http://www.sat.gob.mx/cfd/4"}
    for complement in complements:
        build.validate_xml(bytes(complement.xml))
        root = etree.fromstring(bytes(complement.xml))
        assert (root.get("TipoDeComprobante"), root.get("Moneda"), root.get("Total")) == ("P", "XXX", "0")
        assert root.find("cfdi:Receptor", ns).get("UsoCFDI") == "CP01"
        related = root.find(".//pago20:DoctoRelacionado", ns)
        assert related.get("IdDocumento") == first.uuid
        assert related.get("NumParcialidad") == str(complement.installment)
        assert Decimal(related.get("ImpSaldoInsoluto")) == complement.balance_before - complement.amount
    # A second run finds nothing new.
    call_command("stamp_cfdi")
    assert "prepared: 0; stamped: 0" in capsys.readouterr().out


def test_a_pue_invoice_gets_no_payment_complement(school, invoice, profile, issue_now):
    pay(invoice, "3500.00", method="CASH")
    document = issue_now(invoice)
    document.refresh_from_db()
    assert (document.payment_method, document.payment_form) == ("PUE", "01")
    assert stamp_pending()["prepared"] == 0


def test_a_reversed_payment_gets_no_complement(school, invoice, profile, issue_now):
    issue_now(invoice)
    payment = pay(invoice, "1000.00")
    payment_reverse(payment_id=payment.pk, reason="BOUNCED_CHECK")
    assert stamp_pending()["prepared"] == 0


def test_documents_are_listed_only_in_your_schools(
    school, other_school, invoice, profile, issue_now, client_of
):
    issue_now(invoice)
    InvoiceFactory(student__school=other_school)
    mine = client_of(school, Role.VIEWER).get("/api/v1/cfdi-documents", {"status": "STAMPED"})
    assert mine.json()["count"] == 1
    assert client_of(other_school, Role.ADMIN).get("/api/v1/cfdi-documents").json()["count"] == 0


def test_the_stamped_xml_downloads(school, invoice, profile, issue_now, client_of):
    document = issue_now(invoice)
    response = client_of(school, Role.VIEWER).get(f"/api/v1/cfdi-documents/{document.pk}/xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    document.refresh_from_db()
    assert response.content == bytes(document.xml)


def test_the_document_list_reads_in_a_constant_number_of_queries(
    school, student, profile, issue_now, django_assert_num_queries
):
    user = member(school, Role.VIEWER)

    def documents():
        client = authenticated_client(User.objects.get(pk=user.pk))  # a request's fresh user
        with django_assert_num_queries(3):  # the caller's schools, the count, the page
            return client.get("/api/v1/cfdi-documents").json()

    issue_now(InvoiceFactory(student=student))
    assert documents()["count"] == 1
    for _ in range(3):
        issue_now(InvoiceFactory(student=student))
    body = documents()
    assert body["count"] == 4
    assert "xml" not in body["results"][0]
