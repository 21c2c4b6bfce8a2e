"""Families API: scoping, ADMIN-only writes, assigned references, search, soft delete, bad input."""

import pytest

from families.models import Family
from families.validators import reference_from_number
from tests.conftest import authenticated_client
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

OUTPUT_KEYS = {
    "id", "school_id", "name", "email", "phone", "reference", "rfc", "legal_name", "tax_regime", "tax_zip",
    "cfdi_use", "reminders_opt_out", "is_active", "created_at", "updated_at",
}


@pytest.fixture
def family(school):
    return FamilyFactory(school=school, name="María López", email="maria@lopez.mx", rfc="GODE561231GR8")


def test_list_shows_only_the_callers_schools_families(school, family, other_school, viewer):
    FamilyFactory(school=other_school)
    body = viewer.get("/api/v1/families").json()
    assert [f["id"] for f in body["results"]] == [str(family.pk)]
    assert set(body["results"][0]) >= OUTPUT_KEYS


@pytest.mark.parametrize("term", ["lópez", "maria@lopez", "GODE561231", "REF"])
def test_search_looks_in_name_email_reference_and_rfc(admin_user, school, family, term):
    FamilyFactory(school=school, name="Otra Familia", email="otra@x.mx")
    term = family.reference[:8] if term == "REF" else term
    results = authenticated_client(admin_user).get(f"/api/v1/families?search={term}").json()["results"]
    assert [f["id"] for f in results] == [str(family.pk)]


def test_filters_by_school_reference_and_active(admin_user, school, other_school, family):
    FamilyFactory(school=other_school)
    FamilyFactory(school=school, is_active=False)
    client = authenticated_client(admin_user)
    results = client.get(f"/api/v1/families?school_id={school.pk}&is_active=true").json()["results"]
    assert [f["id"] for f in results] == [str(family.pk)]
    results = client.get(f"/api/v1/families?reference={family.reference}").json()["results"]
    assert [f["id"] for f in results] == [str(family.pk)]


@pytest.mark.parametrize(
    "query, field",
    [("reference=1000432112", "reference"), ("reference=abc", "reference"), ("school_id=x", "school_id"),
     ("ordering=rfcx", "ordering")],
)
def test_bad_filters_are_a_400_naming_the_parameter(admin_user, query, field):
    response = authenticated_client(admin_user).get(f"/api/v1/families?{query}")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_an_admin_registers_a_family_and_gets_its_reference(school, school_admin):
    response = school_admin.post(
        "/api/v1/families",
        {"school_id": str(school.pk), "name": "Familia Ruiz", "rfc": "xaxx010101000", "tax_zip": "06100",
         "tax_regime": "605"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"] == reference_from_number(1)
    assert body["rfc"] == "XAXX010101000" and body["cfdi_use"] == "D10"
    assert Family.objects.get(pk=body["id"]).school_id == school.pk


def test_an_accountant_cannot_write_families(school, family, accountant):
    response = accountant.post("/api/v1/families", {"school_id": str(school.pk), "name": "X"}, format="json")
    assert response.status_code == 403
    assert accountant.patch(f"/api/v1/families/{family.pk}", {"name": "X"}, format="json").status_code == 403
    assert accountant.delete(f"/api/v1/families/{family.pk}").status_code == 403
    assert Family.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"rfc": "GODE561231GR9"}, "rfc"),
        ({"tax_zip": "ABCDE"}, "tax_zip"),
        ({"reference": "1000000197"}, "reference"),  # assigned, never sent
        ({"cfdi_use": "X"}, "cfdi_use"),
    ],
)
def test_invalid_family_data_is_a_400_naming_the_field_and_writes_nothing(school, school_admin, body, field):
    body = {"school_id": str(school.pk), "name": "F", **body}
    response = school_admin.post("/api/v1/families", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]
    assert not Family.objects.exists()


def test_another_schools_family_is_404_for_every_verb(school, other_school, school_admin):
    foreign = FamilyFactory(school=other_school, name="Ajena")
    for method in ["get", "put", "patch", "delete"]:
        response = getattr(school_admin, method)(
            f"/api/v1/families/{foreign.pk}", {"name": "X"}, format="json"
        )
        assert response.status_code == 404
    assert school_admin.get(f"/api/v1/families/{foreign.pk}/students").status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Ajena" and foreign.is_active


def test_patch_changes_only_the_fields_sent(school_admin, family):
    response = school_admin.patch(f"/api/v1/families/{family.pk}", {"phone": "5512345678"}, format="json")
    assert response.status_code == 200
    family.refresh_from_db()
    assert family.phone == "5512345678" and family.name == "María López"


def test_delete_is_a_soft_delete_keeping_the_children(school_admin, family):
    child = StudentFactory(school=family.school, family=family)
    assert school_admin.delete(f"/api/v1/families/{family.pk}").status_code == 204
    family.refresh_from_db()
    child.refresh_from_db()
    assert not family.is_active and child.family_id == family.pk


def test_family_students_lists_its_children(school, family, school_admin):
    ana = StudentFactory(school=school, family=family, first_name="Ana", last_name="López")
    StudentFactory(school=school, first_name="Beto", last_name="Sin Familia")
    body = school_admin.get(f"/api/v1/families/{family.pk}/students").json()
    assert [s["id"] for s in body["results"]] == [str(ana.pk)]
    assert body["results"][0]["family_id"] == str(family.pk)
