"""Issue 13, "one language per response": the API answers in the language of Accept-Language (es or
en; English when absent or unsupported), every part of one answer in that language (detail, field
messages, labels); the admin is Spanish unless the browser asks otherwise."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.dates import local_today
from core.middleware import api_language
from tests.backoffice.conftest import staff_member
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db

BAD_INVOICE = {"student_id": "not-a-uuid", "amount": "abc", "due_date": "2026-02-30"}


@pytest.fixture
def accountant(school):
    return member(school, Role.ACCOUNTANT)


@pytest.fixture
def invoice(school):
    return InvoiceFactory(
        student=StudentFactory(school=school), amount=Decimal("1000.00"),
        due_date=local_today() + datetime.timedelta(days=5),
    )


def _post(client, path, body, language=None):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language is not None else {}
    return client.post(path, body, format="json", **headers)


@pytest.mark.parametrize(("header", "expected"), [
    ("", "en"), ("en", "en"), ("en-US,en;q=0.9", "en"), ("es", "es"), ("es-MX,es;q=0.9,en;q=0.5", "es"),
    ("fr", "en"), ("fr-FR, es;q=0.8", "es"), ("de, *;q=0.5", "en"), ("es;q=0", "en"), ("xx-!!", "en"),
])
def test_the_api_language_is_the_first_supported_choice_else_english(header, expected):
    assert api_language(header) == expected


def test_without_accept_language_the_api_answers_wholly_in_english(accountant):
    answer = _post(authenticated_client(accountant), "/api/v1/invoices", BAD_INVOICE)

    assert answer.status_code == 400
    assert answer["Content-Language"] == "en"
    body = answer.json()
    assert body["detail"] == "The request is invalid."
    assert body["fields"]["student_id"] == ["Must be a valid UUID."]
    assert body["fields"]["amount"] == ["A valid number is required."]


def test_with_accept_language_es_the_api_answers_wholly_in_spanish(accountant):
    answer = _post(authenticated_client(accountant), "/api/v1/invoices", BAD_INVOICE, "es-MX,en;q=0.5")

    assert answer.status_code == 400
    assert answer["Content-Language"] == "es"
    body = answer.json()
    assert body["code"] == "validation_error"  # codes never change with the language
    assert body["detail"] == "La solicitud no es válida."
    assert body["fields"]["student_id"] == ["Debe ser un UUID válido."]
    assert body["fields"]["amount"] == ["Se requiere un número válido."]


def test_an_unsupported_language_gets_english_not_the_sites_spanish(accountant):
    answer = _post(authenticated_client(accountant), "/api/v1/invoices", BAD_INVOICE, "fr-FR")
    assert answer["Content-Language"] == "en"
    assert answer.json()["detail"] == "The request is invalid."


def test_a_business_rule_answers_detail_and_fields_in_spanish(accountant, invoice):
    client = authenticated_client(accountant)
    body = {"invoice_id": str(invoice.pk), "amount": "5000.00", "method": "CASH"}

    english = _post(client, "/api/v1/payments", body).json()
    spanish = _post(client, "/api/v1/payments", body, "es").json()

    assert english["code"] == spanish["code"] == "overpayment"
    assert english["detail"] == "The payment of 5000.00 exceeds the pending amount of 1000.00."
    assert english["fields"]["amount"] == ["At most 1000.00 is pending on this invoice."]
    assert spanish["detail"] == "El pago de 5000.00 excede el saldo pendiente de 1000.00."
    assert spanish["fields"]["amount"] == ["En esta factura quedan pendientes a lo sumo 1000.00."]


def _texts(body) -> list[str]:
    """The human-readable parts of an error answer, in order (not the code)."""
    texts = [body["detail"]]
    for messages in (body.get("fields") or {}).values():
        texts.extend(messages if isinstance(messages, list) else [str(messages)])
    return texts


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "/api/v1/invoices", BAD_INVOICE),
    ("post", "/api/v1/invoices",
     {"student_id": "{student}", "amount": "-5", "due_date": "2027-01-01", "x": 1}),
    ("patch", "/api/v1/invoices/{invoice}", {}),
    ("patch", "/api/v1/invoices/{invoice}", {"amount": "0.01"}),
    ("put", "/api/v1/invoices/{invoice}",
     {"student_id": "{other}", "amount": "10.00", "due_date": "2027-01-01"}),
    ("get", "/api/v1/invoices/{unknown}", None),
    ("post", "/api/v1/payments", {"invoice_id": "{invoice}", "amount": "-1", "method": "BITCOIN"}),
    ("post", "/api/v1/payments", {"invoice_id": "{invoice}", "amount": "1", "method": "CASH",
                                  "payment_date": "1900-01-01"}),
    ("post", "/api/v1/payments", {"invoice_id": "{invoice}", "amount": "1", "method": "CASH",
                                  "payment_date": "2999-01-01"}),
    ("post", "/api/v1/schools", {"name": "X"}),
    ("get", "/api/v1/invoices?status=FOO&due_date_from=bad&page_size=0", None),
    ("get", "/api/v1/invoices?ordering=nope&search=" + "a" * 300, None),
    ("get", "/api/v1/payments?search=" + "+".join(["w"] * 40), None),
    ("get", "/api/v1/reports/students/balance?bogus=1", None),
    ("get", "/api/v1/students/{student}/statement?from=2026-05-01&to=2026-01-01", None),
    ("post", "/api/v1/ai/executive-summary", {"date_from": "2026-05-01", "date_to": "2026-01-01"}),
    ("post", "/api/v1/invoices", "RAW{"),
])
def test_every_part_of_an_error_answer_is_in_the_requested_language(
    accountant, invoice, method, path, body
):
    """The same bad request in English and in Spanish: every sentence differs (none was left in
    English in the Spanish answer), and the code and the shape are the same."""
    ids = {"invoice": invoice.pk, "student": invoice.student_id, "unknown": uuid.uuid4(),
           "other": StudentFactory(school=invoice.school).pk}
    path = path.format(**ids)
    if isinstance(body, dict):
        body = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in body.items()}
    client = authenticated_client(accountant)

    def ask(language):
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if body == "RAW{":
            return getattr(client, method)(path, data=body, content_type="application/json", **headers)
        return getattr(client, method)(path, body, format="json", **headers)

    english, spanish = ask("en"), ask("es")

    assert english.status_code == spanish.status_code >= 400
    assert english.json()["code"] == spanish.json()["code"]
    assert set(english.json().get("fields") or {}) == set(spanish.json().get("fields") or {})
    left_in_english = [
        text for text, other in zip(_texts(english.json()), _texts(spanish.json()), strict=True)
        if text == other
    ]
    assert left_in_english == [], spanish.json()


def test_the_admin_is_spanish_by_default_while_the_api_is_english(school, accountant):
    browser = Client()
    browser.force_login(staff_member((school, Role.ACCOUNTANT)))
    page = browser.get(reverse("admin:index"))
    assert page["Content-Language"] == "es"
    assert "Tablero de cobranza" in page.content.decode()

    api = authenticated_client(accountant).get(f"/api/v1/invoices/{uuid.uuid4()}")
    assert (api["Content-Language"], api.json()["detail"]) == ("en", "Not found.")


def test_a_spanish_speaking_browser_gets_the_admin_in_english_only_when_it_asks():
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = browser.get(reverse("admin:login"))
    assert page["Content-Language"] == "en"
    assert Client().get(reverse("admin:login"))["Content-Language"] == "es"


def test_an_ai_text_follows_accept_language_unless_the_body_names_one(accountant, invoice):
    """The generated text is in the answer's language too: `language` when given, else
    Accept-Language's, else Spanish (the earlier API's default for texts written to families)."""
    client = authenticated_client(accountant)
    path = f"/api/v1/ai/collection-message/{invoice.student_id}"

    def language(body, header=None):
        answer = _post(client, path, body, header)
        assert answer.status_code == 200, answer.json()
        return answer.json()["language"]

    assert language({}, "en-GB") == "en"
    assert language({}, "es") == "es"
    assert language({}) == "es"
    assert language({}, "fr") == "es"
    assert language({"language": "es"}, "en") == "es"
    risk = client.post(f"/api/v1/ai/risk-analysis/{invoice.student_id}", HTTP_ACCEPT_LANGUAGE="en")
    assert risk.json()["language"] == "en"
