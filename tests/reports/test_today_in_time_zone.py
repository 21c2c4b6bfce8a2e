""""Today" is the date in settings.TIME_ZONE, not UTC and not the database server's date."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.dates import local_today
from reports import selectors
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from users.models import Role


@pytest.fixture
def zone_where_today_is_not_utc_today(settings):
    # Kiritimati is UTC+14 and Etc/GMT+12 is UTC-12: whatever the hour, one of them is on
    # another date than UTC.
    now = datetime.now(UTC)
    settings.TIME_ZONE = "Pacific/Kiritimati" if now.hour >= 10 else "Etc/GMT+12"
    assert local_today() != datetime.now(UTC).date()
    return local_today()


@pytest.fixture
def due_today_and_yesterday(db, zone_where_today_is_not_utc_today):
    today = zone_where_today_is_not_utc_today
    student = StudentFactory()
    due_today = InvoiceFactory(student=student, amount=Decimal("100.00"), due_date=today)
    due_yesterday = InvoiceFactory(
        student=student, amount=Decimal("70.00"), due_date=today - timedelta(days=1)
    )
    return student, due_today, due_yesterday


def test_overdue_report_uses_the_local_date(due_today_and_yesterday):
    student, due_today, due_yesterday = due_today_and_yesterday
    client = authenticated_client(member(student.school, Role.VIEWER))

    rows = client.get("/api/v1/reports/invoices/overdue").json()["results"]

    assert [(row["id"], row["days_overdue"], row["aging_bucket"]) for row in rows] == [
        (str(due_yesterday.pk), 1, "0-30")
    ]


def test_invoice_details_derive_status_with_the_local_date(due_today_and_yesterday):
    student, due_today, due_yesterday = due_today_and_yesterday
    client = authenticated_client(member(student.school, Role.VIEWER))

    rows = client.get("/api/v1/reports/invoices/details").json()["results"]

    assert {row["id"]: row["status"] for row in rows} == {
        str(due_today.pk): "PENDING", str(due_yesterday.pk): "OVERDUE"
    }


def test_student_balance_overdue_amount_uses_the_local_date(due_today_and_yesterday):
    student, _, _ = due_today_and_yesterday
    client = authenticated_client(member(student.school, Role.VIEWER))

    row = client.get("/api/v1/reports/students/balance").json()["results"][0]

    assert (row["total_pending"], row["total_overdue"], row["has_overdue"]) == (170.0, 70.0, True)


def test_school_summary_overdue_amount_uses_the_local_date(due_today_and_yesterday):
    student, _, _ = due_today_and_yesterday

    row = selectors.school_summary_list(school_ids=[student.school_id]).get()

    assert row.total_overdue == Decimal("70.00")


def test_selectors_accept_a_fixed_today(due_today_and_yesterday):
    student, due_today, _ = due_today_and_yesterday

    rows = selectors.overdue_invoice_list(school_ids=None, today=due_today.due_date + timedelta(days=31))

    assert sorted((row.days_overdue, row.aging_bucket) for row in rows) == [(31, "31-60"), (32, "31-60")]
