"""Property-based fuzzing of every API operation, from the OpenAPI schema the API serves.

schemathesis reads `/api/schema`, generates valid and invalid requests for each operation and sends
them through the WSGI app, authenticated as a platform admin and as a school ADMIN member. Each
answer must not be a server error, must use a status code the schema documents for the operation,
must match the documented response schema and content type.

A bounded run is part of `make test` (FUZZ_EXAMPLES examples per operation and user, 6 by default);
`make fuzz` runs many more.
"""

from __future__ import annotations

import os
import zlib
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from billing import services
from billing.models import PaymentMethod
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from tests.users.factories import MembershipFactory, UserFactory
from users.models import Role

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]

# Django's WSGI handler, not config.wsgi (which would also read a developer's .env into the tests).
application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/schema?format=json", application)
# The coverage phase (every boundary value of every parameter, every undocumented method) is not
# bounded by an example count: `make fuzz` turns it on, `make test` keeps to the bounded phases.
schema.config.phases.coverage.enabled = os.environ.get("FUZZ_COVERAGE") == "1"
REQUESTS: Counter = Counter()  # answers by status code, reported at the end of the run (conftest)


def _counting_app(environ, start_response):
    def start(status, headers, *args):
        REQUESTS[status.split()[0]] += 1
        return start_response(status, headers, *args)

    return application(environ, start_response=start)


schema.app = _counting_app


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    # Django closes the connection at the end of each request; the test's transaction lives on it.
    # Django's test client unhooks this the same way; schemathesis calls the WSGI app directly.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["platform_admin", "school_admin"])
def fuzz_world(request, db):
    """Real rows for the generated requests to hit: a school with a student, invoices, a payment."""
    school = SchoolFactory()
    student = StudentFactory(school=school)
    open_invoice = services.invoice_create(
        student_id=student.pk, amount=Decimal("1000.00"), due_date=date.today() + timedelta(days=30)
    )
    partial = services.invoice_create(
        student_id=student.pk, amount=Decimal("500.00"), due_date=date.today() - timedelta(days=10)
    )
    payment = services.payment_record(
        invoice_id=partial.pk, amount=Decimal("200.00"), method=PaymentMethod.CASH
    )
    school_admin = UserFactory()
    MembershipFactory(user=school_admin, school=school, role=Role.ADMIN)
    viewer = UserFactory()
    MembershipFactory(user=viewer, school=school, role=Role.VIEWER)
    if request.param == "platform_admin":
        user = UserFactory(is_superuser=True, is_staff=True)
    else:
        user = school_admin
    ids = {
        "school_id": str(school.pk), "student_id": str(student.pk), "invoice_id": str(open_invoice.pk),
        "user_id": str(viewer.pk), "payment_id": str(payment.pk), **_bank_rows(school),
    }
    return {"token": str(RefreshToken.for_user(user).access_token), "ids": ids}


def _bank_rows(school) -> dict:
    """A bank account with an imported statement: one deposit line in the review queue."""
    from banking.services import bank_account_create, bank_statement_import

    account = bank_account_create(school_id=school.pk, clabe="012180001234567899")
    outcome = bank_statement_import(
        account_id=account.pk,
        content=b"Fecha,Descripcion,Referencia,Importe\n01/11/2026,DEPOSITO,R1,150.00\n",
        file_name="fuzz.csv",
    )
    return {"account_id": str(account.pk), "line_id": str(outcome.statement.lines.get().pk)}


def _real_id(name: str, path: str, ids: dict) -> str | None:
    if name == "id":
        return ids["payment_id"] if "/payments/" in path else ids["invoice_id"]
    return ids.get(name)


def _point_at_real_rows(case, ids: dict) -> None:
    """Most generated requests name existing rows, so they get past the 404 and into the logic.

    Deterministic per generated case (a checksum, not a random draw), so Hypothesis can replay and
    shrink a failure.
    """
    if zlib.crc32(repr((case.path_parameters, case.body)).encode()) % 4 == 0:
        return  # one case in four keeps its generated ids: unknown and malformed ids get fuzzed too
    for name in list(case.path_parameters or {}):
        real = _real_id(name, case.path, ids)
        if real is not None:
            case.path_parameters[name] = real
    if isinstance(case.body, dict):
        for name in ("school_id", "student_id", "invoice_id"):
            if name in case.body:
                case.body[name] = ids[name]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_answers_as_its_schema_documents(case, fuzz_world):
    _point_at_real_rows(case, fuzz_world["ids"])
    # Throttle counters live in the cache: without this, most examples of login, register and the
    # AI endpoints would stop at a 429 instead of reaching the code behind it.
    cache.clear()
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_world['token']}"}, checks=CHECKS)
