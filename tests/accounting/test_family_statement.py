"""The family statement: every child's invoices and every money movement, with a running balance."""

import datetime
from decimal import Decimal as D

import pytest

from billing.corrections import credit_note_issue, payment_reverse
from billing.credit import family_payment_record, family_refund_create
from billing.models import PaymentMethod, ReversalReason
from billing.services import invoice_create, payment_record
from core.dates import local_today
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


def days(n):
    return local_today() + datetime.timedelta(days=n)


@pytest.fixture
def family(school):
    return FamilyFactory(school=school, name="Familia Méndez")


@pytest.fixture
def kids(school, family):
    return [
        StudentFactory(school=school, family=family, first_name=n, last_name="Méndez")
        for n in ("Ana", "Beto")
    ]


def test_a_family_in_credit_closes_negative(family, kids, viewer):
    invoice_create(student_id=kids[0].pk, amount=D("500.00"), due_date=days(-10))
    family_payment_record(
        family_id=family.pk, amount=D("700.00"), method=PaymentMethod.CASH, payment_date=days(-5)
    )

    body = (
        viewer
        .get(f"/api/v1/families/{family.pk}/statement")
        .json()
    )

    assert body["closing_balance"] == -200.0 and body["credit_balance"] == 200.0
    assert body["reference"] == family.reference
    assert [(m["type"], m["balance"]) for m in body["movements"]] == [("CHARGE", 500.0), ("PAYMENT", -200.0)]
    assert body["movements"][1]["allocations"][0]["student_name"] == "Ana Méndez"


def test_every_kind_of_movement_with_a_running_balance_and_an_opening_balance(family, kids, viewer):
    first = invoice_create(student_id=kids[0].pk, amount=D("1000.00"), due_date=days(-40))
    second = invoice_create(student_id=kids[1].pk, amount=D("800.00"), due_date=days(-3))
    payment_record(
        invoice_id=first.pk, amount=D("1000.00"), method=PaymentMethod.CASH, payment_date=days(-35)
    )
    cheque = family_payment_record(
        family_id=family.pk, amount=D("900.00"), method=PaymentMethod.CHECK, payment_date=days(-2)
    )
    payment_reverse(payment_id=cheque.pk, reason=ReversalReason.BOUNCED_CHECK)
    credit_note_issue(invoice_id=second.pk, amount=D("100.00"), reason="Beca")
    family_payment_record(family_id=family.pk, amount=D("800.00"), method=PaymentMethod.CASH)
    family_refund_create(family_id=family.pk, amount=D("100.00"), method=PaymentMethod.CASH)

    body = viewer.get(f"/api/v1/families/{family.pk}/statement?from={days(-10)}").json()

    assert body["opening_balance"] == 0.0  # charged 1,000 and paid 1,000 before the period
    kinds = [(m["type"], m["charge"], m["credit"], m["balance"]) for m in body["movements"]]
    assert kinds == [
        ("CHARGE", 800.0, 0.0, 800.0),
        ("PAYMENT", 0.0, 900.0, -100.0),
        ("PAYMENT", 0.0, 800.0, -900.0),
        ("CREDIT_NOTE", 0.0, 100.0, -1000.0),
        ("REVERSAL", 900.0, 0.0, -100.0),
        ("REFUND", 100.0, 0.0, 0.0),
    ]
    assert body["closing_balance"] == 0.0 and body["credit_balance"] == 0.0
    assert body["summary"]["total_credited"] == 100.0 and body["summary"]["total_pending"] == 0.0


def test_another_schools_family_statement_is_404(school, other_school, school_admin):
    foreign = FamilyFactory(school=other_school)
    response = school_admin.get(
        f"/api/v1/families/{foreign.pk}/statement"
    )
    assert response.status_code == 404
