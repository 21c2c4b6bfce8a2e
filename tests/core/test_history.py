"""core.history writes the rows simple-history would write, column by column, in one statement."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import structlog
from django.db import connection
from django.db.models import signals
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from billing import services
from billing.models import Invoice, Payment, PaymentMethod
from core.history import history_deferred, history_write
from tests.students.factories import StudentFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def _columns(row) -> dict:
    # Everything but the row's own id and its timestamp (taken a moment apart by the two writers).
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields
            if f.attname not in ("history_id", "history_date")}


@pytest.fixture
def in_request():
    """A request in flight, as the middleware leaves it: its user, IP and request id bound."""
    request = RequestFactory().post("/api/v1/payments", REMOTE_ADDR="198.51.100.23")
    request.user = UserFactory()
    HistoricalRecords.context.request = request
    structlog.contextvars.bind_contextvars(request_id="req-history-test")
    yield request
    del HistoricalRecords.context.request
    structlog.contextvars.clear_contextvars()


def test_the_rows_equal_simple_historys_own_column_by_column(school, in_request):
    invoice = services.invoice_create(
        student_id=StudentFactory(school=school).pk, amount=Decimal("700.00"),
        due_date=date.today() + timedelta(days=30),
    )
    payment = services.payment_record(invoice_id=invoice.pk, amount=Decimal("250.00"),
                                      method=PaymentMethod.CASH, reference="caja 1")
    invoice.refresh_from_db()
    ours_payment = Payment.history.get(id=payment.pk)
    ours_invoice = Invoice.history.filter(id=invoice.pk).latest("history_date")

    # simple-history's own post_save receiver, on the same instances in the same request.
    signals.post_save.send(sender=Payment, instance=payment, created=True, using="default")
    signals.post_save.send(sender=Invoice, instance=invoice, created=False, using="default")
    theirs_payment = Payment.history.filter(id=payment.pk).latest("history_id")
    theirs_invoice = Invoice.history.filter(id=invoice.pk).latest("history_id")

    assert theirs_payment.history_id != ours_payment.history_id
    assert _columns(ours_payment) == _columns(theirs_payment)
    assert _columns(ours_invoice) == _columns(theirs_invoice)
    assert (ours_payment.history_type, ours_invoice.history_type) == ("+", "~")
    assert (ours_payment.history_user, ours_payment.request_id, ours_payment.ip_address) == (
        in_request.user, "req-history-test", "198.51.100.23")
    assert ours_invoice.paid_amount == Decimal("250.00") and ours_payment.reference == "caja 1"


def test_all_rows_go_in_one_statement_on_postgresql(school):
    student = StudentFactory(school=school)
    invoice = services.invoice_create(student_id=student.pk, amount=Decimal("80.00"), due_date=date.today())
    before = Invoice.history.filter(id=invoice.pk).count()
    invoice.description = "changed"
    with history_deferred(invoice):
        invoice.save(update_fields=["description"])
    assert Invoice.history.filter(id=invoice.pk).count() == before  # deferred: no row yet
    other = services.invoice_create(student_id=student.pk, amount=Decimal("90.00"), due_date=date.today())

    with CaptureQueriesContext(connection) as queries:
        history_write((invoice, "~"), (other, "~"))

    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert Invoice.history.filter(id=invoice.pk).latest("history_date").description == "changed"
    assert Invoice.history.filter(id=other.pk).count() == 2
    assert not hasattr(invoice, "skip_history_when_saving")  # the next save records history again


def test_history_off_writes_nothing(school, settings):
    invoice = services.invoice_create(
        student_id=StudentFactory(school=school).pk, amount=Decimal("80.00"), due_date=date.today())
    settings.SIMPLE_HISTORY_ENABLED = False
    history_write((invoice, "~"))
    assert Invoice.history.filter(id=invoice.pk).count() == 1


def test_core_audit_is_the_only_receiver_the_fast_path_stands_in_for():
    # history_write applies core.audit's stamp itself and sends no signal: a new receiver of
    # simple-history's create signals would be skipped for payments. Teach core.history first.
    assert [entry[0][0] for entry in pre_create_historical_record.receivers] == ["core.audit.stamp"]
    assert post_create_historical_record.receivers == []
