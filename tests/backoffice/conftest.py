import datetime
from decimal import Decimal

import pytest
from django.test import Client

from core.dates import local_today
from tests.billing.factories import InvoiceFactory
from tests.students.factories import StudentFactory
from tests.users.factories import MembershipFactory, UserFactory
from users.models import Role


def staff_member(*memberships: tuple, superuser: bool = False):
    """A staff user with these (school, role) memberships."""
    user = UserFactory(is_staff=True, is_superuser=superuser)
    for school, role in memberships:
        MembershipFactory(user=user, school=school, role=role)
    return user


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _english(english):
    """Every back-office test reads the English labels."""


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def accountant(school):
    return staff_member((school, Role.ACCOUNTANT))


@pytest.fixture
def school_admin(school):
    return staff_member((school, Role.ADMIN))


@pytest.fixture
def viewer(school):
    return staff_member((school, Role.VIEWER))


def invoice(school, *, amount="1000.00", paid="0.00", due=None, status="PENDING", student=None, **kw):
    student = student or StudentFactory(school=school)
    return InvoiceFactory(
        school=school, student=student, amount=Decimal(amount), paid_amount=Decimal(paid),
        due_date=due or local_today() + datetime.timedelta(days=10), status=status, **kw,
    )
