"""Issue 13, item 12: a double POST of the admin's payment form records one payment."""

import re
from decimal import Decimal

import pytest

from billing.models import Payment
from tests.backoffice.conftest import client_for, invoice, staff_member
from users.models import Role

pytestmark = pytest.mark.django_db


def test_posting_the_same_payment_form_twice_records_one_payment(school):
    inv = invoice(school, amount="1000.00")
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    page = client.get(f"/admin/billing/invoice/{inv.pk}/change/").content.decode()
    token = re.search(r'name="submission" value="([0-9a-f]+)"', page).group(1)
    body = {"amount": "100.00", "method": "CASH", "payment_date": "", "reference": "", "submission": token}
    url = f"/admin/billing/invoice/{inv.pk}/register-payment/"

    first, second = client.post(url, body), client.post(url, body)

    assert first.status_code == second.status_code == 302
    assert Payment.objects.filter(invoice=inv).count() == 1
    inv.refresh_from_db()
    assert inv.paid_amount == Decimal("100.00")


def test_a_refused_submission_can_be_corrected_and_sent_again(school):
    inv = invoice(school, amount="1000.00")
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    url = f"/admin/billing/invoice/{inv.pk}/register-payment/"
    body = {"amount": "5000.00", "method": "CASH", "payment_date": "", "reference": "",
            "submission": "f" * 32}
    assert client.post(url, body).status_code == 200  # overpayment: the form again, nothing kept
    assert client.post(url, {**body, "amount": "50.00"}).status_code == 302
    assert Payment.objects.filter(invoice=inv).count() == 1
