"""The replica router's decisions that need no replica (the live ones: tests/hardening/live)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import resolve

from billing.models import Invoice
from core.replicas import PRIMARY, ReplicaRouter, lag_tolerant_request, lsn_to_int

ROOT = Path(__file__).resolve().parents[2]
ID = uuid.UUID("7f1c6a52-7f0e-4a55-9a3e-0c2a1d7b9e11")


def _request(method, path):
    request = RequestFactory().generic(method, path)
    request.resolver_match = resolve(path)
    return request


@pytest.mark.parametrize(
    ("method", "path", "tolerant"),
    [
        ("GET", "/api/v1/invoices", True),
        ("GET", "/api/v1/payments", True),
        ("GET", "/api/v1/students", True),
        ("GET", f"/api/v1/students/{ID}/statement", True),
        ("GET", f"/api/v1/schools/{ID}/statement", True),
        ("GET", "/api/v1/reports/students/balance", True),
        ("HEAD", "/api/v1/reports/revenue/monthly", True),
        ("GET", f"/api/v1/invoices/{ID}", False),  # a detail page: the primary
        ("GET", "/api/v1/auth/me", False),
        ("GET", f"/api/v1/schools/{ID}/members", False),  # who may do what: always fresh
        ("POST", "/api/v1/invoices", False),
        ("POST", "/api/v1/payments", False),
    ],
)
def test_only_lists_statements_and_reports_may_read_a_replica(method, path, tolerant):
    assert lag_tolerant_request(_request(method, path)) is tolerant


def test_wal_positions_compare_as_numbers():
    assert lsn_to_int("0/16B3748") < lsn_to_int("0/16B3750") < lsn_to_int("1/0")
    assert lsn_to_int("A/0") == 10 << 32


def test_outside_a_request_everything_goes_to_the_primary():
    router = ReplicaRouter()
    assert router.db_for_read(Invoice) == PRIMARY
    assert router.db_for_write(Invoice) == PRIMARY
    assert router.allow_migrate("replica1", "billing") is False
    assert router.allow_migrate(PRIMARY, "billing") is True


def test_replicas_need_postgresql_and_a_shared_cache():
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"], cwd=ROOT, text=True, capture_output=True,
        env={**clean, "SECRET_KEY": "x" * 50, "DATABASE_REPLICA_URLS": "postgresql://r@127.0.0.1/x"},
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS needs PostgreSQL" in result.stderr
