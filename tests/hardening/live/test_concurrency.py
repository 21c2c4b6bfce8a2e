"""Concurrent requests against gunicorn with 4 worker processes on PostgreSQL.

Different processes mean different database connections: only row locks and constraints keep the
books right, which is exactly what these tests lean on.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from tests.hardening.live.conftest import FIGURES, make_invoice
from tests.support.http import call
from tests.support.services import manage


def _all_at_once(server, requests):
    """Fire every (method, path, token, body, headers) at the same instant; answers in order."""
    barrier = threading.Barrier(len(requests))

    def fire(spec):
        method, path, token, body, headers = spec
        barrier.wait()
        return call(server.base_url, method, path, token=token, body=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(fire, requests))


def _payments_of(api, world, invoice_id):
    answer = api("GET", f"/api/v1/payments?invoice_id={invoice_id}&page_size=100",
                 token=world["accountant_token"])
    assert answer.status == 200
    return answer.json()["results"]


def _invoice(api, world, invoice_id):
    return api("GET", f"/api/v1/invoices/{invoice_id}", token=world["accountant_token"]).json()


def test_twenty_parallel_payments_of_100_on_an_invoice_of_1000_accept_exactly_ten(server, world, api):
    invoice = make_invoice(api, world, amount="1000.00")
    body = {"invoice_id": invoice["id"], "amount": "100.00", "method": "BANK_TRANSFER"}

    answers = _all_at_once(server, [("POST", "/api/v1/payments", world["accountant_token"], body, None)] * 20)

    statuses = Counter(a.status for a in answers)
    FIGURES["20 parallel payments of 100 on 1000"] = str(dict(statuses))
    assert statuses[201] == 10, statuses
    refused = [a for a in answers if a.status != 201]
    assert len(refused) == 10
    for answer in refused:
        assert (answer.status, answer.json()["code"]) in {(400, "overpayment"), (409, "invoice_already_paid")}
    after = _invoice(api, world, invoice["id"])
    assert Decimal(str(after["paid_amount"])) == Decimal("1000.00")
    assert after["status"] == "PAID"
    payments = _payments_of(api, world, invoice["id"])
    assert len(payments) == 10
    assert len({p["number"] for p in payments}) == 10  # receipt numbers never collide


def test_parallel_replays_of_one_idempotency_key_make_exactly_one_payment(server, world, api):
    invoice = make_invoice(api, world, amount="1000.00")
    body = {"invoice_id": invoice["id"], "amount": "250.00", "method": "CREDIT_CARD", "reference": "gw-1"}
    key = {"Idempotency-Key": f"gateway-{uuid.uuid4()}"}

    answers = _all_at_once(
        server, [("POST", "/api/v1/payments", world["accountant_token"], body, key)] * 12
    )

    created = [a for a in answers if a.status == 201]
    FIGURES["12 parallel replays of one Idempotency-Key"] = str(dict(Counter(a.status for a in answers)))
    assert created, Counter(a.status for a in answers)
    assert len({a.json()["id"] for a in created}) == 1  # every success is the same payment
    for answer in answers:
        if answer.status != 201:  # a replay that arrived while the first was still running
            assert answer.status == 409, (answer.status, answer.body[:200])
    assert len(_payments_of(api, world, invoice["id"])) == 1
    assert Decimal(str(_invoice(api, world, invoice["id"])["paid_amount"])) == Decimal("250.00")

    # Once the first answer is stored, a late replay gets it back, byte for byte the same payment.
    late = call(server.base_url, "POST", "/api/v1/payments", token=world["accountant_token"],
                body=body, headers=key)
    assert late.status == 201 and late.json()["id"] == created[0].json()["id"]


def test_a_payment_racing_a_cancellation_lets_exactly_one_win_and_the_books_agree(server, world, api):
    outcomes = Counter()
    for _ in range(8):
        invoice = make_invoice(api, world, amount="1000.00")
        pay, cancel = _all_at_once(server, [
            ("POST", "/api/v1/payments", world["accountant_token"],
             {"invoice_id": invoice["id"], "amount": "100.00", "method": "CASH"}, None),
            ("DELETE", f"/api/v1/invoices/{invoice['id']}", world["manager_token"], None, None),
        ])
        after = _invoice(api, world, invoice["id"])
        payments = _payments_of(api, world, invoice["id"])
        if pay.status == 201:
            outcomes["payment won"] += 1
            assert (cancel.status, cancel.json()["code"]) == (409, "invoice_has_payments")
            assert after["status"] == "PARTIAL"
            assert Decimal(str(after["paid_amount"])) == Decimal("100.00") and len(payments) == 1
        else:
            outcomes["cancellation won"] += 1
            assert cancel.status in (200, 204), (cancel.status, cancel.body[:200])
            assert (pay.status, pay.json()["code"]) == (409, "invoice_cancelled")
            assert after["status"] == "CANCELLED"
            assert Decimal(str(after["paid_amount"])) == Decimal("0") and payments == []
    FIGURES["8 payment-vs-cancellation races"] = str(dict(outcomes))
    assert sum(outcomes.values()) == 8


def test_reconcile_finds_the_books_clean_after_the_races(server, world, api, live_env):
    # Runs last in this module: every invoice and payment the races above left behind is checked.
    result = manage("reconcile", env=live_env)
    assert result.returncode == 0
