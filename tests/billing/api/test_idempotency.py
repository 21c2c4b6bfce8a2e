"""Idempotency-Key on POST /payments and POST /invoices (core.idempotency)."""

import json
from decimal import Decimal

import pytest
from django.core.cache import cache

from billing.models import Invoice, Payment
from core.models import IdempotencyRecord
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from tests.support.concurrency import run_together
from users.models import Role

pytestmark = pytest.mark.django_db

PAYMENTS = "/api/v1/payments"
INVOICES = "/api/v1/invoices"


@pytest.fixture
def invoice(school):
    return InvoiceFactory(student=StudentFactory(school=school), amount=Decimal("1000.00"))


def pay(client, invoice, key, amount="300.00"):
    return client.post(
        PAYMENTS, {"invoice_id": str(invoice.pk), "amount": amount, "method": "CASH"},
        format="json", HTTP_IDEMPOTENCY_KEY=key,
    )


def test_same_key_and_body_replays_the_first_payment(accountant, invoice):
    first = pay(accountant, invoice, "key-1")
    second = pay(accountant, invoice, "key-1")

    assert first.status_code == second.status_code == 201
    assert json.loads(second.content) == json.loads(first.content)
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("300.00")


def test_replay_is_byte_for_byte_the_first_answer(accountant, invoice):
    first = pay(accountant, invoice, "key-bytes")

    assert pay(accountant, invoice, "key-bytes").content == first.content


def test_same_key_with_another_body_is_a_409(accountant, invoice):
    pay(accountant, invoice, "key-2", amount="300.00")

    response = pay(accountant, invoice, "key-2", amount="301.00")

    assert response.status_code == 409
    assert response.data["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_key_order_in_the_body_does_not_matter(accountant, invoice):
    body = {"invoice_id": str(invoice.pk), "amount": "300.00", "method": "CASH"}
    accountant.post(PAYMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k")

    response = accountant.generic(
        "POST", PAYMENTS, json.dumps(dict(reversed(body.items()))), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert response.status_code == 201
    assert Payment.objects.count() == 1


def test_without_a_key_each_request_writes(accountant, invoice):
    for _ in range(2):
        accountant.post(PAYMENTS, {"invoice_id": str(invoice.pk), "amount": "1.00", "method": "CASH"},
                        format="json")

    assert Payment.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_keys_belong_to_their_user(accountant, school, invoice):
    colleague = authenticated_client(member(school, Role.ACCOUNTANT))

    pay(accountant, invoice, "shared")
    response = pay(colleague, invoice, "shared")

    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert Payment.objects.count() == 2


def test_the_key_survives_a_cache_flush(accountant, invoice):
    first = pay(accountant, invoice, "durable")
    cache.clear()  # a restart, another worker: the record is in the database

    second = pay(accountant, invoice, "durable")

    assert second.content == first.content
    assert Payment.objects.count() == 1


def test_a_refused_request_is_not_remembered(accountant, invoice):
    refused = pay(accountant, invoice, "retry-me", amount="5000.00")
    assert refused.status_code == 400
    assert refused.data["code"] == "overpayment"
    assert not IdempotencyRecord.objects.exists()

    retried = pay(accountant, invoice, "retry-me", amount="5000.00")

    assert retried.status_code == 400
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "clé-ñ"])
def test_malformed_key_is_a_400(accountant, invoice, key):
    response = pay(accountant, invoice, key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.data["fields"]
    assert not Payment.objects.exists()


def test_invoice_creation_honours_the_key(accountant, invoice):
    body = {"student_id": str(invoice.student_id), "amount": "750.00", "due_date": "2026-12-15"}

    first = accountant.post(INVOICES, body, format="json", HTTP_IDEMPOTENCY_KEY="inv-1")
    second = accountant.post(INVOICES, body, format="json", HTTP_IDEMPOTENCY_KEY="inv-1")
    reused = accountant.post(INVOICES, {**body, "amount": "751.00"}, format="json",
                             HTTP_IDEMPOTENCY_KEY="inv-1")

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert reused.status_code == 409
    assert Invoice.objects.filter(amount=Decimal("750.00")).count() == 1


def test_same_key_on_invoices_and_payments_are_separate_scopes(accountant, invoice):
    pay(accountant, invoice, "same")
    response = accountant.post(
        INVOICES, {"student_id": str(invoice.student_id), "amount": "1.00", "due_date": "2026-12-15"},
        format="json", HTTP_IDEMPOTENCY_KEY="same",
    )

    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_write_exactly_once(school):
    """Eight clients send the same key at once: one payment, eight identical 201 answers."""
    user = member(school, Role.ACCOUNTANT)
    invoice = InvoiceFactory(student=StudentFactory(school=school), amount=Decimal("1000.00"))
    clients = [authenticated_client(user) for _ in range(8)]

    answers = run_together(8, lambda n: pay(clients[n], invoice, "race", amount="100.00"))

    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.content for answer in answers}) == 1
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert Invoice.objects.get(pk=invoice.pk).paid_amount == Decimal("100.00")
    assert IdempotencyRecord.objects.count() == 1


def test_replay_matches_an_indented_first_answer(accountant, invoice):
    def send():
        return accountant.post(
            PAYMENTS, {"invoice_id": str(invoice.pk), "amount": "1.00", "method": "CASH"}, format="json",
            HTTP_IDEMPOTENCY_KEY="pretty", HTTP_ACCEPT="application/json; indent=2",
        )

    first = send()

    assert b"\n  " in first.content
    assert send().content == first.content
