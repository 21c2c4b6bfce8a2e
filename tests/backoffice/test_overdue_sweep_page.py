import datetime

import pytest
from django.urls import reverse

from billing.models import InvoiceStatus
from tests.backoffice.conftest import client_for, invoice, staff_member
from users.models import Role

pytestmark = pytest.mark.django_db

SWEEP = "admin:overdue_sweep"


def test_preview_counts_what_the_sweep_would_mark_per_school(school, other_school, accountant, today):
    invoice(school, due=today - datetime.timedelta(days=3), status="PENDING")
    invoice(school, due=today - datetime.timedelta(days=9), status="OVERDUE")
    invoice(other_school, due=today - datetime.timedelta(days=3), status="PENDING")

    response = client_for(accountant).get(reverse(SWEEP))

    assert response.status_code == 200
    assert [(r["id"], r["to_mark"], r["overdue"]) for r in response.context["rows"]] == [(school.pk, 1, 2)]


def test_running_the_sweep_marks_only_the_users_schools(school, other_school, accountant, today):
    mine = invoice(school, due=today - datetime.timedelta(days=3), status="PENDING")
    theirs = invoice(other_school, due=today - datetime.timedelta(days=3), status="PENDING")

    response = client_for(accountant).post(reverse(SWEEP), follow=True)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == InvoiceStatus.OVERDUE
    assert theirs.status == InvoiceStatus.PENDING
    assert any("1 invoice(s) marked overdue" in str(m) for m in response.context["messages"])


def test_sweep_skips_schools_where_the_user_is_only_a_viewer(school, other_school, today):
    user = staff_member((school, Role.ACCOUNTANT), (other_school, Role.VIEWER))
    watched = invoice(other_school, due=today - datetime.timedelta(days=3), status="PENDING")

    client_for(user).post(reverse(SWEEP))

    watched.refresh_from_db()
    assert watched.status == InvoiceStatus.PENDING


def test_viewer_may_not_open_or_run_the_sweep(school, viewer, today):
    stale = invoice(school, due=today - datetime.timedelta(days=3), status="PENDING")
    client = client_for(viewer)

    assert client.get(reverse(SWEEP)).status_code == 403
    assert client.post(reverse(SWEEP)).status_code == 403
    stale.refresh_from_db()
    assert stale.status == InvoiceStatus.PENDING


def test_dashboard_links_the_sweep_only_for_accountants_and_up(school, accountant, viewer):
    assert reverse(SWEEP) in client_for(accountant).get(reverse("admin:index")).content.decode()
    assert reverse(SWEEP) not in client_for(viewer).get(reverse("admin:index")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_sweep_already_running_is_reported_instead_of_waiting(school, accountant, today):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the sweep lock is a PostgreSQL advisory lock")
    import psycopg

    from billing.services import OVERDUE_SWEEP_LOCK_ID

    stale = invoice(school, due=today - datetime.timedelta(days=3), status="PENDING")
    settings_dict = connection.settings_dict
    # The nightly sweep, holding its lock in another session.
    with psycopg.connect(
        host=settings_dict["HOST"], port=settings_dict["PORT"] or 5432, user=settings_dict["USER"],
        dbname=settings_dict["NAME"], autocommit=False,
    ) as nightly:
        nightly.execute("SELECT pg_advisory_xact_lock(%s)", [OVERDUE_SWEEP_LOCK_ID])

        response = client_for(accountant).post(reverse(SWEEP), follow=True)

    stale.refresh_from_db()
    assert stale.status == InvoiceStatus.PENDING
    assert any("Another overdue sweep is running" in str(m) for m in response.context["messages"])
