"""The school's fiscal profile: the service's checks and the API (roles, scoping, no secret leaves)."""

import base64

import pytest

from cfdi.devcerts import make_csd
from cfdi.models import FiscalProfile
from tests.cfdi.conftest import PASSWORD_ENV, SCHOOL_RFC
from tests.conftest import authenticated_client, member
from users.models import Role

pytestmark = pytest.mark.django_db


def body(csd, **changes):
    data = {
        "rfc": SCHOOL_RFC,
        "legal_name": "Escuela Kemper Urgate",
        "tax_regime": "603",
        "expedition_zip": "42501",
        "rvoe": {"PRIMARIA": "PRI-0987/2015"},
        "certificate": base64.b64encode(csd.certificate).decode(),
        "private_key": base64.b64encode(csd.key).decode(),
    }
    data.update(changes)
    return data


def test_an_admin_puts_the_profile_and_the_key_never_comes_back(school, csd, school_admin):
    response = school_admin.put(f"/api/v1/schools/{school.pk}/fiscal-profile", body(csd), format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["rfc"], data["certificate_number"], data["key_password_env"]) == (
        SCHOOL_RFC,
        "30001000000500003416",
        PASSWORD_ENV,
    )
    assert "private_key" not in data and "certificate" not in data
    profile = FiscalProfile.objects.get(school=school)
    assert bytes(profile.private_key) == csd.key
    # The password is in no column.
    assert csd.password not in str(FiscalProfile.objects.filter(pk=profile.pk).values().get())
    assert school_admin.get(f"/api/v1/schools/{school.pk}/fiscal-profile").json()["rfc"] == SCHOOL_RFC


def test_a_later_put_keeps_the_stored_csd_when_none_is_sent(school, csd, profile, school_admin):
    data = body(csd, legal_name="Escuela Kemper Urgate AC", series="B")
    del data["certificate"], data["private_key"]
    response = school_admin.put(f"/api/v1/schools/{school.pk}/fiscal-profile", data, format="json")
    assert response.status_code == 200, response.json()
    profile.refresh_from_db()
    assert (profile.series, bytes(profile.certificate)) == ("B", csd.certificate)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rfc": "EKU9003173C8"}, "rfc"),  # wrong check digit
        ({"rfc": "XAXX010101000"}, "rfc"),  # a generic RFC is not a school's
        ({"expedition_zip": "00001"}, "expedition_zip"),  # not in SAT's catalogue
        ({"expedition_zip": "4250"}, "expedition_zip"),
        ({"tax_regime": "999"}, "tax_regime"),
        ({"rvoe": {"KINDER": "X"}}, "rvoe"),
    ],
)
def test_invalid_fiscal_data_is_a_400_naming_the_field_and_nothing_is_stored(
    school, csd, changes, field, school_admin
):
    response = school_admin.put(
        f"/api/v1/schools/{school.pk}/fiscal-profile", body(csd, **changes), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]
    assert not FiscalProfile.objects.exists()


def test_a_certificate_of_another_rfc_is_refused(school, school_admin):
    other = make_csd(rfc="IIA040805DZ4", legal_name="Otra", password="12345678a")
    response = school_admin.put(f"/api/v1/schools/{school.pk}/fiscal-profile", body(other), format="json")
    assert (response.status_code, response.json()["code"]) == (400, "csd_invalid")
    assert "certificate" in response.json()["fields"]


def test_a_key_that_the_password_does_not_open_is_refused(school, csd, school_admin):
    wrong = make_csd(rfc=SCHOOL_RFC, legal_name="Escuela", password="another-password")
    response = school_admin.put(
        f"/api/v1/schools/{school.pk}/fiscal-profile",
        body(csd, private_key=base64.b64encode(wrong.key).decode()),
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "csd_invalid")
    assert not FiscalProfile.objects.exists()


def test_the_first_profile_needs_the_csd(school, csd, school_admin):
    data = body(csd)
    del data["certificate"], data["private_key"]
    response = school_admin.put(
        f"/api/v1/schools/{school.pk}/fiscal-profile", data, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "csd_invalid")


def test_a_password_variable_missing_on_the_server_is_a_409(school, csd, monkeypatch, school_admin):
    monkeypatch.delenv(PASSWORD_ENV)
    response = school_admin.put(
        f"/api/v1/schools/{school.pk}/fiscal-profile", body(csd), format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "csd_password_missing")


def test_an_accountant_reads_but_cannot_put(school, csd, profile, accountant):
    assert accountant.get(f"/api/v1/schools/{school.pk}/fiscal-profile").status_code == 200
    response = accountant.put(f"/api/v1/schools/{school.pk}/fiscal-profile", body(csd), format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_another_schools_profile_is_a_404(school, other_school, csd, profile):
    client = authenticated_client(member(other_school, Role.ADMIN))
    assert client.get(f"/api/v1/schools/{school.pk}/fiscal-profile").status_code == 404
    response = client.put(f"/api/v1/schools/{school.pk}/fiscal-profile", body(csd), format="json")
    assert response.status_code == 404


def test_a_school_without_profile_reads_404(school, viewer):
    response = viewer.get(
        f"/api/v1/schools/{school.pk}/fiscal-profile"
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("rvoe", [{"PRIMARIA": "R" * 61}, {"PRIMARIA": None}, {"PRIMARIA": ["PRI-1"]}])
def test_a_bad_rvoe_value_reads_as_flat_messages_naming_the_level(school, csd, rvoe, school_admin):
    response = school_admin.put(
        f"/api/v1/schools/{school.pk}/fiscal-profile", body(csd, rvoe=rvoe), format="json"
    )
    assert response.status_code == 400
    messages = response.json()["fields"]["rvoe"]
    assert all(isinstance(m, str) and m.startswith("PRIMARIA: ") for m in messages), messages
    assert not FiscalProfile.objects.exists()
