"""A pg_dump of the live database, restored into a fresh one, is a consistent set of books."""

import os
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from billing import services
from billing.models import Invoice, Payment, PaymentMethod
from tests.students.factories import StudentFactory
from tests.support.services import ROOT, manage

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="pg_dump needs PostgreSQL"
    ),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed"),
]


def _url(dbname: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{dbname}"


def _admin_sql(sql: str) -> None:
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(sql)


@pytest.fixture
def restore_db():
    name = f"h9_restore_{os.getpid()}"
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
    _admin_sql(f'CREATE DATABASE "{name}"')
    yield name
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _books():
    """A term's worth of activity: paid, partial, overdue, cancelled invoices in two schools."""
    today = date.today()
    for school_n in range(2):
        student = StudentFactory()
        for i, amount in enumerate(["1000.00", "750.50", "300.00", "99.99"]):
            invoice = services.invoice_create(
                student_id=student.pk, amount=Decimal(amount),
                due_date=today + timedelta(days=30 * (i - 2)), description=f"Mes {i}",
            )
            if i == 0:
                services.payment_record(
                    invoice_id=invoice.pk, amount=Decimal(amount), method=PaymentMethod.CASH
                )
            elif i == 1:
                services.payment_record(
                    invoice_id=invoice.pk, amount=Decimal("250.25"), method=PaymentMethod.BANK_TRANSFER,
                    reference=f"SPEI {school_n}",
                )
            elif i == 3:
                services.invoice_cancel(invoice_id=invoice.pk)


def _figures(url: str) -> tuple:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM billing_invoice), (SELECT sum(paid_amount) FROM billing_invoice),"
            " (SELECT count(*) FROM billing_payment), (SELECT sum(amount) FROM billing_payment),"
            " (SELECT count(*) FROM billing_historicalpayment)"
        ).fetchone()


def _dump_and_restore(source: str, target: str) -> None:
    """The commands docs/operations.md gives an operator, as they are written there."""
    with tempfile.TemporaryDirectory(prefix="h9-dump-") as tmp:
        dump = Path(tmp) / "billing.dump"
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), source],
                       check=True, capture_output=True, timeout=120)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target, str(dump)],
                       check=True, capture_output=True, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_into_a_fresh_database_passes_reconcile(restore_db):
    _books()
    source = _url(connection.settings_dict["NAME"])
    _dump_and_restore(source, _url(restore_db))

    env = {**os.environ, "DATABASE_URL": _url(restore_db), "SECRET_KEY": "restore-check"}
    env.pop("REDIS_URL", None)
    result = manage("reconcile", env=env)
    assert result.returncode == 0
    assert _figures(_url(restore_db)) == _figures(source)
    assert _figures(source)[2] == Payment.objects.count() == 4
    assert Invoice.objects.count() == 8
    # Nothing is left for migrate to do on the restored copy: the schema came over whole.
    plan = manage("migrate", "--check", env=env, timeout=120)
    assert plan.returncode == 0


@pytest.mark.django_db(transaction=True)
def test_reconcile_on_a_restored_copy_catches_a_tampered_balance(restore_db):
    # The check above could only pass if reconcile can also fail on a restored copy.
    _books()
    _dump_and_restore(_url(connection.settings_dict["NAME"]), _url(restore_db))
    with psycopg.connect(_url(restore_db), autocommit=True) as conn:
        conn.execute("UPDATE billing_invoice SET paid_amount = 0 WHERE paid_amount = amount")

    result = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "reconcile"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "DATABASE_URL": _url(restore_db), "SECRET_KEY": "restore-check"}, timeout=120,
    )
    assert result.returncode == 1
    assert "paid" in result.stdout.lower()
