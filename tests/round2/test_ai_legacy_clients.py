"""Issue 13, clients of the earlier API: the AI endpoints accept its field names (DESIGN.md)."""

import datetime
from decimal import Decimal

import pytest

from core.dates import local_today
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/ai/collection-message"


@pytest.fixture
def client(school):
    return authenticated_client(member(school, Role.ACCOUNTANT))


def test_collection_message_takes_the_earlier_apis_body(client):
    answer = client.post("/api/v1/ai/collection-message", {
        "student_name": "Juan Pérez", "parent_name": "María Pérez", "pending_amount": 1500.00,
        "overdue_amount": 500.00, "days_overdue": 12, "invoices_pending": 2, "channel": "WHATSAPP",
        "tone": "FINAL_NOTICE", "include_payment_link": True, "custom_context": "Beca parcial",
        "school_name": "Colegio San José",
    }, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["amount"] == 1500.00
    assert body["tone"] == "final"
    assert body["due_date"] == (local_today() - datetime.timedelta(days=12)).isoformat()


@pytest.mark.parametrize("tone, ours", [("FRIENDLY", "friendly"), ("FORMAL", "firm"), ("URGENT", "firm")])
def test_the_earlier_apis_tones_map_to_ours(client, tone, ours):
    answer = client.post("/api/v1/ai/collection-message", {
        "student_name": "Ana", "amount": "100.00", "due_date": "2026-01-10", "channel": "SMS", "tone": tone,
    }, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["tone"] == ours


def test_collection_message_with_student_id_reads_that_students_figures_scoped(client, school, other_school):
    student = StudentFactory(school=school)
    due = local_today() + datetime.timedelta(days=4)
    InvoiceFactory(student=student, amount=Decimal("750.00"), due_date=due)
    answer = client.post(URL, {"student_id": str(student.pk), "channel": "EMAIL"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["student_id"] == str(student.pk)
    assert answer.json()["amount"] == 750.00
    stranger = StudentFactory(school=other_school)
    InvoiceFactory(student=stranger)
    refused = client.post(URL, {"student_id": str(stranger.pk), "channel": "EMAIL"}, format="json")
    assert refused.status_code == 404


def test_an_unknown_field_is_still_a_400_naming_it(client):
    answer = client.post("/api/v1/ai/collection-message", {
        "student_name": "Ana", "amount": "100.00", "due_date": "2026-01-10", "channel": "SMS",
        "colour": "red",
    }, format="json")
    assert answer.status_code == 400
    assert "colour" in answer.json()["fields"]


def test_assistant_takes_student_id_context_and_conversation_history(client, school):
    student = StudentFactory(school=school)
    answer = client.post("/api/v1/ai/assistant", {
        "question": "¿Cuánto se debe?", "student_id": str(student.pk), "context": {"screen": "dashboard"},
        "conversation_history": [
            {"role": "user", "content": "Hola"}, {"role": "assistant", "content": "Hola"},
        ],
    }, format="json")
    assert answer.status_code == 200, answer.content


def test_executive_summary_takes_period_start_and_end(client):
    answer = client.post("/api/v1/ai/executive-summary", {
        "period_start": "2026-01-01", "period_end": "2026-06-30", "include_recommendations": True,
        "include_trends": False,
    }, format="json")
    assert answer.status_code == 200, answer.content
    reversed_period = {"period_start": "2026-06-30", "period_end": "2026-01-01"}
    bad = client.post("/api/v1/ai/executive-summary", reversed_period, format="json")
    assert bad.status_code == 400
