"""The OpenAPI schema is what client generators and fuzzers read: it has to be true."""

import json

import pytest
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from tests.support.openapi import warning_free_schema

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/Error"
OWN_PREFIXES = ("/api/v1/auth", "/api/v1/schools", "/api/v1/students")


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema, prefixes=("/api/v1",)):
    for route, item in schema["paths"].items():
        if not route.startswith(prefixes):
            continue
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield route, method, operation


def _error_ref(response):
    return response["content"]["application/json"]["schema"]["$ref"]


def test_schema_of_auth_schools_students_and_members_generates_without_warnings_and_validates():
    patterns = [
        path("api/v1/auth/", include("users.api.urls")),
        path("api/v1/", include("schools.api.urls")),
        path("api/v1/", include("students.api.urls")),
    ]
    validate_schema(warning_free_schema(patterns))


def test_whole_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_paths_are_documented_without_trailing_slash_as_in_the_seed(schema):
    assert "/api/v1/schools" in schema["paths"]
    assert "/api/v1/students/{student_id}/invoices" in schema["paths"]
    assert not [route for route in schema["paths"] if route.endswith("/")]


def test_bearer_jwt_security_scheme_is_declared(schema):
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_error_component_has_the_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "detail", "fields"}
    assert error["required"] == ["code", "detail"]


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for route, method, operation in _operations(schema):
        responses = operation["responses"]
        secured = {"jwtAuth": []} in operation.get("security", [])
        where = f"{method.upper()} {route}"
        if secured:
            assert "401" in responses, where
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert "404" in responses, where
        if "requestBody" in operation:
            assert {"400", "415"} <= set(responses), where
        assert "429" in responses, where
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                assert _error_ref(response) == ERROR_REF, f"{where} {status}"


def test_writes_on_own_endpoints_document_403(schema):
    for route, method, operation in _operations(schema, OWN_PREFIXES):
        if method != "get" and operation.get("security") != [{}]:
            assert "403" in operation["responses"], f"{method.upper()} {route}"


def test_register_login_and_refresh_need_no_token(schema):
    for route in ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh"]:
        assert schema["paths"][route]["post"]["security"] == [{}]
    assert schema["paths"]["/api/v1/auth/me"]["get"]["security"] == [{"jwtAuth": []}]


def test_login_documents_form_and_json_bodies_and_the_token_pair(schema):
    login = schema["paths"]["/api/v1/auth/login"]["post"]
    assert set(login["requestBody"]["content"]) == {"application/json", "application/x-www-form-urlencoded"}
    pair = schema["components"]["schemas"]["TokenPairOutput"]
    assert {"access_token", "token_type", "refresh_token"} <= set(pair["required"])


def test_nullable_fields_are_nullable_and_money_is_a_number(schema):
    schemas = schema["components"]["schemas"]
    assert schemas["StudentOutput"]["properties"]["enrolled_at"]["nullable"] is True
    assert schemas["StudentCreateInputRequest"]["properties"]["enrolled_at"]["nullable"] is True
    invoices = schema["paths"]["/api/v1/students/{student_id}/invoices"]["get"]
    page_ref = invoices["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schemas[page_ref.rsplit("/", 1)[1]]
    assert page["properties"]["next"]["nullable"] is True
    item = schemas[page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert item["properties"]["amount"]["type"] == "number"


def test_list_filters_are_documented_with_their_types(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/v1/students"]["get"]["parameters"]}
    assert {"school_id", "grade", "is_active", "search", "ordering", "page", "page_size"} <= set(params)
    assert params["school_id"]["schema"]["format"] == "uuid"
    assert params["is_active"]["schema"]["type"] == "boolean"
    assert "`last_name`" in params["ordering"]["description"]


def test_path_ids_are_uuids(schema):
    for route, _, operation in _operations(schema, OWN_PREFIXES):
        for param in operation.get("parameters", []):
            if param["in"] == "path":
                assert param["schema"] == {"type": "string", "format": "uuid"}, route


@pytest.mark.parametrize("route", ["/api/schema", "/api/schema/", "/docs", "/docs/", "/redoc", "/redoc/"])
def test_schema_and_documentation_pages_are_public(client, route):
    response = client.get(route)
    assert response.status_code == 200


def test_schema_is_served_as_json_on_request(client):
    response = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/auth/login" in json.loads(response.content)["paths"]
