"""Issue 13, item 11: the overdue sweep's `.update()` and `reconcile --fix` leave an audit trail:
one history row per invoice they change (who, why), none for the invoices they leave alone."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from billing.models import Invoice, InvoiceStatus
from billing.services import invoice_overdue_sweep, payment_record
from core.dates import local_today
from tests.billing.factories import InvoiceFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from tests.users.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = local_today()


def _history(invoice):
    """The invoice's history rows, oldest first."""
    return list(Invoice.history.filter(id=invoice.pk).order_by("history_date", "history_id"))


def _raw_update(invoice, **columns) -> None:
    """Corrupt a row behind the services' back (no history)."""
    assignments = ", ".join(f"{name} = %s" for name in columns)
    pk = Invoice._meta.pk.get_db_prep_value(invoice.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE billing_invoice SET {assignments} WHERE id = %s", [*columns.values(), pk])


@pytest.fixture
def school_invoices():
    school = SchoolFactory()
    student = StudentFactory(school=school)
    due_past = TODAY - timedelta(days=3)
    late = [InvoiceFactory(student=student, school=school, due_date=due_past) for _ in range(3)]
    paid = InvoiceFactory(student=student, school=school, amount=Decimal("100.00"), due_date=due_past)
    payment_record(invoice_id=paid.pk, amount=Decimal("100.00"), method="CASH")
    upcoming = InvoiceFactory(student=student, school=school, due_date=TODAY + timedelta(days=10))
    return school, late, [paid, upcoming]


def test_the_sweep_writes_one_history_row_per_invoice_it_marks_and_none_for_the_rest(school_invoices):
    school, late, untouched = school_invoices
    before = {inv.pk: len(_history(inv)) for inv in late + untouched}
    operator = UserFactory(username="nightly-operator")

    out = StringIO()
    call_command("sweep_overdue", "--user", "nightly-operator", stdout=out)

    for inv in late:
        rows = _history(inv)
        assert len(rows) == before[inv.pk] + 1
        last = rows[-1]
        assert last.history_type == "~"
        assert (last.status, last.amount, last.number, last.student_id) == (
            InvoiceStatus.OVERDUE, inv.amount, inv.number, inv.student_id)
        assert last.history_user_id == operator.pk
        assert last.history_change_reason == (
            f"overdue sweep as of {TODAY.isoformat()} (manage.py sweep_overdue)"
        )
    for inv in untouched:
        assert len(_history(inv)) == before[inv.pk]

    # Idempotent, history included: a second sweep changes nothing and records nothing.
    call_command("sweep_overdue", stdout=out)
    assert [len(_history(inv)) for inv in late] == [before[inv.pk] + 1 for inv in late]


def test_a_sweep_without_a_user_is_the_systems_and_a_dry_run_records_nothing(school_invoices):
    _school, late, _untouched = school_invoices
    before = {inv.pk: len(_history(inv)) for inv in late}

    invoice_overdue_sweep(dry_run=True)
    assert {inv.pk: len(_history(inv)) for inv in late} == before

    invoice_overdue_sweep(via="task billing.tasks.sweep_overdue")
    for inv in late:
        last = _history(inv)[-1]
        assert last.history_user_id is None
        assert last.history_change_reason.endswith("(task billing.tasks.sweep_overdue)")


def test_the_sweep_refuses_an_unknown_user_before_changing_anything(school_invoices):
    _school, late, _untouched = school_invoices

    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("sweep_overdue", "--user", "nobody", stdout=StringIO())

    assert {Invoice.objects.get(pk=inv.pk).status for inv in late} == {InvoiceStatus.PENDING}


def test_the_admin_sweep_records_the_staff_user_and_the_request(client, school_invoices):
    school, late, untouched = school_invoices
    staff = UserFactory(is_staff=True)
    MembershipFactory(user=staff, school=school, role="ACCOUNTANT")
    client.force_login(staff)

    response = client.post(reverse("admin:overdue_sweep"), REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 302
    for inv in late:
        last = _history(inv)[-1]
        assert (last.status, last.history_user_id) == (InvoiceStatus.OVERDUE, staff.pk)
        assert last.history_change_reason.endswith("(admin)")
        assert last.request_id and last.ip_address == "203.0.113.9"
    assert all(_history(inv)[-1].status != InvoiceStatus.OVERDUE for inv in untouched)


def test_reconcile_fix_writes_one_history_row_per_repaired_invoice_and_none_for_the_rest():
    school = SchoolFactory()
    student = StudentFactory(school=school)
    broken = InvoiceFactory(student=student, school=school, amount=Decimal("1000.00"),
                            due_date=TODAY + timedelta(days=5))
    payment_record(invoice_id=broken.pk, amount=Decimal("400.00"), method="CASH")
    fine = InvoiceFactory(student=student, school=school, due_date=TODAY + timedelta(days=5))
    _raw_update(broken, paid_amount=Decimal("0.00"), status=InvoiceStatus.PENDING)
    before = {inv.pk: len(_history(inv)) for inv in (broken, fine)}
    accountant = UserFactory(username="auditor")

    out = StringIO()
    call_command("reconcile", "--fix", "--user", "auditor", stdout=out)

    rows = _history(broken)
    assert len(rows) == before[broken.pk] + 1
    last = rows[-1]
    assert (last.history_type, last.paid_amount, last.status) == (
        "~", Decimal("400.00"), InvoiceStatus.PARTIAL)
    assert last.history_user_id == accountant.pk
    assert last.history_change_reason == (
        "manage.py reconcile --fix: paid_amount 0.00->400.00, status PENDING->PARTIAL"
    )
    assert len(_history(fine)) == before[fine.pk]

    # A second --fix finds nothing and records nothing.
    call_command("reconcile", "--fix", stdout=out)
    assert len(_history(broken)) == before[broken.pk] + 1
