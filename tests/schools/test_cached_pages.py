"""Invoice and payment pages are cached under their schools' versions: a read after a write is
never stale, and one school's page is never answered to another school's user."""

import datetime
from decimal import Decimal

import pytest

from billing import services
from billing.models import PaymentMethod
from schools.services import school_update
from students.services import student_create, student_update
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from tests.users.factories import MembershipFactory
from users.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(school):
    return InvoiceFactory(student=StudentFactory(school=school), amount=Decimal("300.00"))


def test_a_payment_shows_on_the_next_read_of_both_lists(viewer, invoice):
    before = viewer.get("/api/v1/invoices").json()["results"][0]
    assert (before["paid_amount"], before["status"]) == (0, "PENDING")
    assert viewer.get("/api/v1/payments").json()["count"] == 0

    payment = services.payment_record(
        invoice_id=invoice.pk, amount=Decimal("300.00"), method=PaymentMethod.CASH
    )

    after = viewer.get("/api/v1/invoices").json()["results"][0]
    assert (after["paid_amount"], after["status"]) == (300, "PAID")
    payments = viewer.get("/api/v1/payments").json()
    assert [row["id"] for row in payments["results"]] == [str(payment.pk)]


def test_a_renamed_student_shows_on_the_next_read(viewer, invoice):
    assert viewer.get("/api/v1/invoices").json()["results"][0]["student_name"].startswith(
        invoice.student.first_name
    )

    student_update(student_id=invoice.student_id, first_name="Renamed")

    assert viewer.get("/api/v1/invoices").json()["results"][0]["student_name"].startswith("Renamed ")


def test_a_new_day_recomputes_the_page(viewer, invoice, monkeypatch, django_assert_max_num_queries):
    viewer.get("/api/v1/invoices")
    with django_assert_max_num_queries(2):  # cached: roles, versions
        viewer.get("/api/v1/invoices")

    tomorrow = invoice.due_date + datetime.timedelta(days=1)
    monkeypatch.setattr("schools.cache.local_today", lambda: tomorrow)
    with django_assert_max_num_queries(5) as captured:
        response = viewer.get("/api/v1/invoices")
    assert response.status_code == 200
    assert len(captured) > 2  # the page was computed again, not served from yesterday's key


def test_the_same_url_answers_each_school_its_own_page(school, other_school, viewer):
    ours = InvoiceFactory(student=StudentFactory(school=school))
    theirs = InvoiceFactory(student=StudentFactory(school=other_school))
    their_viewer = authenticated_client(member(other_school, Role.VIEWER))

    assert [row["id"] for row in viewer.get("/api/v1/invoices").json()["results"]] == [str(ours.pk)]
    assert [row["id"] for row in their_viewer.get("/api/v1/invoices").json()["results"]] == [str(theirs.pk)]


def test_a_filtered_page_is_cached_apart_from_the_unfiltered_one(viewer, invoice):
    services.payment_record(invoice_id=invoice.pk, amount=Decimal("300.00"), method=PaymentMethod.CASH)
    pending = services.invoice_create(
        student_id=invoice.student_id, amount=Decimal("50.00"), due_date=invoice.due_date
    )

    assert viewer.get("/api/v1/invoices").json()["count"] == 2
    assert [row["id"] for row in viewer.get("/api/v1/invoices?status=PENDING").json()["results"]] == [
        str(pending.pk)
    ]


def test_a_new_or_renamed_student_shows_on_the_next_read_of_the_students_lists(viewer, school):
    first = StudentFactory(school=school, first_name="Ana")
    assert viewer.get("/api/v1/students").json()["count"] == 1
    assert viewer.get(f"/api/v1/schools/{school.pk}/students").json()["count"] == 1

    second = student_create(school_id=school.pk, first_name="Beto", last_name="Ruiz")
    student_update(student_id=first.pk, first_name="Anita")

    for url in ("/api/v1/students", f"/api/v1/schools/{school.pk}/students"):
        names = {row["id"]: row["first_name"] for row in viewer.get(url).json()["results"]}
        assert names == {str(first.pk): "Anita", str(second.pk): "Beto"}


def test_any_change_to_a_school_shows_on_the_next_read_of_the_schools_list(viewer, school):
    assert viewer.get("/api/v1/schools").json()["results"][0]["address"] == school.address

    school_update(school_id=school.pk, address="Av. Reforma 1")

    assert viewer.get("/api/v1/schools").json()["results"][0]["address"] == "Av. Reforma 1"


def test_a_school_joined_shows_on_the_next_read_of_the_schools_list(school, other_school):
    user = member(school, Role.VIEWER)
    client = authenticated_client(user)
    assert [row["id"] for row in client.get("/api/v1/schools").json()["results"]] == [str(school.pk)]

    MembershipFactory(user=user, school=other_school, role=Role.VIEWER)

    # A new request reads the user afresh (force_authenticate would keep the first one's roles).
    again = authenticated_client(User.objects.get(pk=user.pk))
    listed = {row["id"] for row in again.get("/api/v1/schools").json()["results"]}
    assert listed == {str(school.pk), str(other_school.pk)}
