"""The schema of invoices, payments and statements: complete, warning-free, with examples."""

import pytest
from django.urls import include, path
from drf_spectacular.validation import validate_schema

from tests.support.openapi import warning_free_schema

pytestmark = pytest.mark.django_db

PATTERNS = [path("api/v1/", include("billing.api.urls")), path("api/v1/", include("accounting.api.urls"))]


@pytest.fixture(scope="module")
def schema():
    return warning_free_schema(PATTERNS)


def test_schema_generates_without_warnings_and_validates(schema):
    validate_schema(schema)


def test_every_route_and_verb_is_documented(schema):
    documented = {(route, method) for route, item in schema["paths"].items() for method in item}
    assert {
        ("/api/v1/invoices", "get"), ("/api/v1/invoices", "post"),
        ("/api/v1/invoices/{id}", "get"), ("/api/v1/invoices/{id}", "put"),
        ("/api/v1/invoices/{id}", "patch"), ("/api/v1/invoices/{id}", "delete"),
        ("/api/v1/payments", "get"), ("/api/v1/payments", "post"), ("/api/v1/payments/{id}", "get"),
        ("/api/v1/payments/invoice/{invoice_id}", "get"),
        ("/api/v1/schools/{school_id}/statement", "get"), ("/api/v1/students/{student_id}/statement", "get"),
    } <= documented
    assert not {"put", "patch", "delete"} & set(schema["paths"]["/api/v1/payments/{id}"])


@pytest.mark.parametrize("route, method, statuses", [
    ("/api/v1/invoices", "post", {"201", "400", "401", "403", "404", "409", "415"}),
    ("/api/v1/invoices/{id}", "put", {"200", "400", "401", "403", "404", "409"}),
    ("/api/v1/invoices/{id}", "delete", {"200", "401", "403", "404", "409"}),
    ("/api/v1/payments", "post", {"201", "400", "401", "403", "404", "409", "415"}),
    ("/api/v1/payments/{id}", "get", {"200", "401", "404", "405"}),
    ("/api/v1/schools/{school_id}/statement", "get", {"200", "400", "401", "404"}),
    ("/api/v1/students/{student_id}/statement", "get", {"200", "400", "401", "404"}),
])
def test_operations_document_their_error_answers(schema, route, method, statuses):
    assert statuses <= set(schema["paths"][route][method]["responses"])


@pytest.mark.parametrize("route", ["/api/v1/invoices", "/api/v1/payments"])
def test_creates_document_the_idempotency_key_header(schema, route):
    params = schema["paths"][route]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)


@pytest.mark.parametrize("route, keys", [
    ("/api/v1/students/{student_id}/statement",
     {"student_id", "student_name", "school_name", "summary", "invoices", "generated_at", "movements"}),
    ("/api/v1/schools/{school_id}/statement",
     {"school_id", "school_name", "period", "summary", "invoices", "generated_at", "invoices_page"}),
])
def test_statements_carry_an_example_with_the_seed_keys(schema, route, keys):
    content = schema["paths"][route]["get"]["responses"]["200"]["content"]["application/json"]
    example = next(iter(content["examples"].values()))["value"]
    assert keys <= set(example)
    assert {"from", "to"} <= {p["name"] for p in schema["paths"][route]["get"]["parameters"]}
