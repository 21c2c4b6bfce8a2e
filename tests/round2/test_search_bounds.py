"""Issue 13, item 1: a search is bounded everywhere (length and number of words), API and admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.search import SEARCH_MAX_LENGTH, SEARCH_MAX_TERMS
from tests.backoffice.conftest import client_for, staff_member
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db

MANY_WORDS = " ".join(f"w{i}" for i in range(3000))
SEARCHED_LISTS = [
    "/api/v1/invoices", "/api/v1/payments", "/api/v1/students", "/api/v1/schools",
    "/api/v1/reports/invoices/details", "/api/v1/reports/students/balance",
]


@pytest.mark.parametrize("path", SEARCHED_LISTS)
def test_a_search_of_thousands_of_words_is_a_400_naming_search(admin_user, path):
    answer = authenticated_client(admin_user).get(path, {"search": MANY_WORDS})
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "validation_error"
    assert "search" in answer.json()["fields"]


@pytest.mark.parametrize("path", ["/api/v1/invoices", "/api/v1/payments"])
def test_too_many_words_within_the_length_is_a_400_and_the_limit_itself_answers(admin_user, path):
    client = authenticated_client(admin_user)
    too_many = " ".join(["ab"] * (SEARCH_MAX_TERMS + 1))
    assert len(too_many) < SEARCH_MAX_LENGTH
    assert client.get(path, {"search": too_many}).status_code == 400
    assert client.get(path, {"search": " ".join(["ab"] * SEARCH_MAX_TERMS)}).status_code == 200


def test_an_invoice_search_still_finds_by_number_and_name(admin_user, school):
    invoice = InvoiceFactory(student=StudentFactory(school=school, first_name="Ximena", last_name="Ortiz"))
    client = authenticated_client(admin_user)
    found = client.get("/api/v1/invoices", {"search": "ximena ortiz"}).json()["results"]
    assert [row["id"] for row in found] == [str(invoice.pk)]


def test_the_admin_search_runs_a_bounded_query_for_a_huge_search(school):
    InvoiceFactory(student=StudentFactory(school=school))
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/admin/billing/invoice/", {"q": MANY_WORDS})
    assert answer.status_code == 200
    like_predicates = max(q["sql"].upper().count(" LIKE ") for q in queries.captured_queries)
    # Four searched columns, at most SEARCH_MAX_TERMS terms: not 3,000 x 4 predicates.
    assert 0 < like_predicates <= 4 * SEARCH_MAX_TERMS
