import pytest
from django.urls import include, path
from drf_spectacular.validation import validate_schema

from tests.support.openapi import warning_free_schema

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return warning_free_schema([path("api/v1/reports/", include("reports.api.urls"))])


def test_report_schema_generates_without_warnings_and_validates(schema):
    validate_schema(schema)
    assert len([p for p in schema["paths"] if p.startswith("/api/v1/reports/")]) == 7


def test_every_report_documents_json_page_csv_and_errors(schema):
    for route, item in schema["paths"].items():
        operation = item["get"]
        ok = operation["responses"]["200"]["content"]
        assert ok["application/json"]["schema"]["$ref"].startswith("#/components/schemas/Paginated"), route
        assert ok["text/csv"]["schema"]["type"] == "string", route
        assert {"400", "401", "404"} <= set(operation["responses"]), route
        names = {p["name"] for p in operation["parameters"]}
        assert {"school_id", "page", "page_size", "ordering", "format"} <= names, route


def test_money_is_a_number_and_nullable_fields_say_so(schema):
    row = schema["components"]["schemas"]["StudentBalanceRow"]["properties"]

    assert row["total_pending"]["type"] == "number"
    assert row["oldest_unpaid_due_date"]["nullable"] is True
    assert schema["components"]["schemas"]["SchoolSummaryRow"]["properties"]["collection_rate"]["nullable"]
