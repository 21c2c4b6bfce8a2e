"""CFDI test fixtures: a throw-away CSD made here, a school with its fiscal profile, a family with
fiscal data and a student with CURP and level, and the fake PAC (in process, or over HTTP)."""

import datetime
from decimal import Decimal

import pytest

from billing import services as billing_services
from cfdi.devcerts import make_csd
from cfdi.fake_pac import FakePac, FakePacServer
from cfdi.services import document_issue, fiscal_profile_put
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory

SCHOOL_RFC = "EKU9003173C9"
FAMILY_RFC = "XOJI740919U48"
STUDENT_CURP = "PEGJ100101HDFRNN01"
PASSWORD_ENV = "CFDI_CSD_PASSWORD_TESTS"


@pytest.fixture(scope="session")
def csd():
    return make_csd(rfc=SCHOOL_RFC, legal_name="Escuela Kemper Urgate", password="12345678a")


@pytest.fixture(autouse=True)
def _cfdi_settings(settings, monkeypatch, csd):
    # The key's password lives in the environment only, as in production.
    monkeypatch.setenv(PASSWORD_ENV, csd.password)
    settings.CFDI_CSD_PASSWORD_ENV = PASSWORD_ENV
    settings.CFDI_PAC = "fake"
    settings.CFDI_STAMP_MAX_ATTEMPTS = 3


@pytest.fixture
def profile(school, csd):
    return fiscal_profile_put(
        school_id=school.pk,
        rfc=SCHOOL_RFC,
        legal_name="Escuela Kemper Urgate",
        tax_regime="603",
        expedition_zip="42501",
        rvoe={"PRIMARIA": "PRI-0987/2015", "SECUNDARIA": "SEC-1234/2016"},
        certificate=csd.certificate,
        private_key=csd.key,
    )


@pytest.fixture
def family(school):
    return FamilyFactory(
        school=school,
        name="Ingrid Xodar",
        rfc=FAMILY_RFC,
        legal_name="Ingrid Xodar Jimenez",
        tax_regime="612",
        tax_zip="88000",
        cfdi_use="D10",
    )


@pytest.fixture
def student(school, family):
    return StudentFactory(
        school=school,
        family=family,
        first_name="Juan",
        last_name="Xodar",
        curp=STUDENT_CURP,
        level="PRIMARIA",
    )


@pytest.fixture
def invoice(student):
    return InvoiceFactory(student=student, amount=Decimal("3500.00"), description="Colegiatura marzo")


def pay(invoice, amount: str, method: str = "BANK_TRANSFER"):
    return billing_services.payment_record(
        invoice_id=invoice.pk, amount=Decimal(amount), method=method, payment_date=datetime.date.today()
    )


@pytest.fixture
def pac_server(settings):
    """The fake PAC over HTTP, spoken to by satcfdi's SW Sapien client (CFDI_PAC=swsapien)."""
    with FakePacServer(FakePac()) as server:
        settings.CFDI_PAC = "swsapien"
        settings.CFDI_PAC_URL = server.url
        settings.CFDI_PAC_USER, settings.CFDI_PAC_PASSWORD, settings.CFDI_PAC_TOKEN = "demo", "demo", ""
        # Generous for a loaded machine; the tests of a silent PAC shorten it (`hold`).
        settings.CFDI_PAC_TIMEOUT = 10
        yield server


@pytest.fixture
def issue_now(django_capture_on_commit_callbacks):
    """document_issue, with its on-commit stamping job run as a real commit would run it."""

    def issue(invoice, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            document = document_issue(invoice_id=invoice.pk, **kwargs)
        document.refresh_from_db()
        return document

    return issue


@pytest.fixture
def client_of(django_capture_on_commit_callbacks):
    """An API client for a member of the school with this role; on-commit jobs run after each request."""

    class Client:
        def __init__(self, user):
            self.client = authenticated_client(user)

        def __getattr__(self, method):
            def call(*args, **kwargs):
                with django_capture_on_commit_callbacks(execute=True):
                    return getattr(self.client, method)(*args, **kwargs)

            return call

    return lambda school, role: Client(member(school, role))
