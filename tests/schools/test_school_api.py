"""Schools API: scoping (other schools are 404), roles, soft delete, lists, bad input."""

import pytest

from schools.models import School
from tests.conftest import authenticated_client, member
from tests.schools.factories import SchoolFactory
from tests.users.factories import UserFactory
from users.models import Role

pytestmark = pytest.mark.django_db


def test_member_lists_only_their_schools(school, other_school, viewer):
    response = viewer.get("/api/v1/schools")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [str(school.pk)]
    assert set(body) == {"count", "next", "previous", "results"}


def test_platform_admin_lists_every_school(admin_user, school, other_school):
    response = authenticated_client(admin_user).get("/api/v1/schools/")
    assert response.json()["count"] == 2


def test_freshly_registered_user_sees_no_school(school):
    response = authenticated_client(UserFactory()).get("/api/v1/schools")
    assert response.json()["count"] == 0


def test_school_list_runs_a_bounded_number_of_queries(admin_user, django_assert_max_num_queries):
    SchoolFactory.create_batch(30)
    client = authenticated_client(admin_user)
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/schools?page_size=100")
    assert response.json()["count"] == 30


def test_school_list_filters_search_and_orders(admin_user):
    SchoolFactory(name="Colegio Alfa", is_active=False)
    SchoolFactory(name="Colegio Beta")
    SchoolFactory(name="Instituto Gamma", email="contacto@gamma.mx")
    client = authenticated_client(admin_user)
    assert [s["name"] for s in client.get("/api/v1/schools?is_active=false").json()["results"]] == [
        "Colegio Alfa"
    ]
    assert [s["name"] for s in client.get("/api/v1/schools?search=gamma.mx").json()["results"]] == [
        "Instituto Gamma"
    ]
    names = [s["name"] for s in client.get("/api/v1/schools?ordering=-name").json()["results"]]
    assert names == ["Instituto Gamma", "Colegio Beta", "Colegio Alfa"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=abc", "page"),
        ("page_size=x", "page_size"),
        ("ordering=cache_version", "ordering"),
        ("is_active=maybe", "is_active"),
    ],
)
def test_school_list_refuses_bad_query_parameters(admin_user, query, field):
    response = authenticated_client(admin_user).get(f"/api/v1/schools?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]


def test_member_retrieves_their_school(school, viewer):
    response = viewer.get(f"/api/v1/schools/{school.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == school.name
    assert "cache_version" not in response.json()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_schools_detail_is_404_for_every_verb(other_school, method, school_admin):
    response = getattr(school_admin, method)(
        f"/api/v1/schools/{other_school.pk}", {"name": "Mine now"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    other_school.refresh_from_db()
    assert other_school.name != "Mine now" and other_school.is_active


@pytest.mark.parametrize("school_id", ["abc", "00000000-0000-0000-0000-000000000000", "1' OR '1'='1"])
def test_unknown_or_malformed_school_id_is_404(admin_user, school_id):
    response = authenticated_client(admin_user).get(f"/api/v1/schools/{school_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_school_endpoints_need_a_token(api_client, school):
    for path in ["/api/v1/schools", f"/api/v1/schools/{school.pk}"]:
        response = api_client.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


def test_platform_admin_creates_a_school(admin_user):
    response = authenticated_client(admin_user).post(
        "/api/v1/schools", {"name": "Colegio Nuevo", "email": "hola@nuevo.mx", "phone": "555"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    school = School.objects.get(pk=body["id"])
    assert (school.name, school.email, school.address, school.is_active) == (
        "Colegio Nuevo",
        "hola@nuevo.mx",
        "",
        True,
    )


def test_school_admin_cannot_create_a_school(school_admin):
    response = school_admin.post(
        "/api/v1/schools", {"name": "Colegio Nuevo"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert School.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Ok", "email": "nope"}, "email"),
        ({"name": "Ok", "phone": "1" * 41}, "phone"),
        ({"name": "Ok", "cache_version": 9}, "cache_version"),
        ({"name": "Ok", "id": "00000000-0000-0000-0000-000000000000"}, "id"),
        ({"name": "nul\x00byte"}, "name"),
        ({"name": None}, "name"),
        ({"name": 12}, None),
    ],
)
def test_school_create_refuses_bad_input_and_writes_nothing(admin_user, body, field):
    response = authenticated_client(admin_user).post("/api/v1/schools", body, format="json")
    if field is None:  # a number is accepted as its string by DRF; it must not be a 500
        assert response.status_code in (201, 400)
        return
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]
    assert School.objects.count() == 0


def test_school_create_refuses_a_json_list_body(admin_user):
    response = authenticated_client(admin_user).post("/api/v1/schools", [{"name": "x"}], format="json")
    assert response.status_code == 400
    assert School.objects.count() == 0


def test_school_admin_updates_their_school_and_bumps_the_cache_version(school, school_admin):
    version = school.cache_version
    response = school_admin.put(
        f"/api/v1/schools/{school.pk}", {"name": "Colegio Renombrado"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Colegio Renombrado"
    school.refresh_from_db()
    assert school.name == "Colegio Renombrado"
    assert school.cache_version == version + 1


def test_updating_only_the_phone_bumps_the_cache_version(school, school_admin):
    # The schools list is a cached page that shows every field of a school.
    version = school.cache_version
    response = school_admin.patch(
        f"/api/v1/schools/{school.pk}/", {"phone": "555-0101"}, format="json"
    )
    assert response.status_code == 200
    school.refresh_from_db()
    assert (school.phone, school.cache_version) == ("555-0101", version + 1)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ACCOUNTANT])
def test_viewer_and_accountant_cannot_update_the_school(school, role):
    response = authenticated_client(member(school, role)).put(
        f"/api/v1/schools/{school.pk}", {"name": "Nope"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    school.refresh_from_db()
    assert school.name != "Nope"


def test_school_admin_cannot_deactivate_through_put(school, school_admin):
    response = school_admin.put(
        f"/api/v1/schools/{school.pk}", {"is_active": False}, format="json"
    )
    assert response.status_code == 403
    school.refresh_from_db()
    assert school.is_active


def test_platform_admin_soft_deletes_a_school(admin_user, school):
    version = school.cache_version
    response = authenticated_client(admin_user).delete(f"/api/v1/schools/{school.pk}")
    assert response.status_code == 204
    school.refresh_from_db()
    assert school.is_active is False
    assert school.cache_version == version + 1


def test_school_admin_cannot_delete_their_school(school, school_admin):
    response = school_admin.delete(f"/api/v1/schools/{school.pk}")
    assert response.status_code == 403
    school.refresh_from_db()
    assert school.is_active


def test_school_update_refuses_wrong_content_type(school, school_admin):
    response = school_admin.put(
        f"/api/v1/schools/{school.pk}", "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_unsupported_method_is_405_in_the_error_shape(admin_user):
    response = authenticated_client(admin_user).delete("/api/v1/schools")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
