"""The OpenAI path through the real `openai` client against the local fake server (conftest)."""

import logging
import socket
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction

from ai_agent.llm import STATUS_CACHE_KEY, llm_last_call
from ai_agent.risk import risk_analysis_get
from tests.ai_agent.conftest import completion, json_completion
from tests.ai_agent.histories import chronic_late_history, invoice_with_payments
from tests.conftest import authenticated_client, member
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db

RATE_LIMITED = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
SERVER_ERROR = {"error": {"message": "boom", "type": "server_error"}}


@pytest.fixture
def client(school):
    return authenticated_client(member(school, Role.VIEWER))


@pytest.fixture
def late_student(school):
    student = StudentFactory(school=school, first_name="Juan", last_name="Pérez")
    chronic_late_history(student)
    return student


def narrative(**overrides):
    return json_completion({
        "recommendations": ["Llamar hoy a la familia", "Proponer un plan de pagos de $2,000.00"],
        "suggested_action": "Llamar hoy a la familia",
        "analysis_summary": "Riesgo HIGH (79/100): debe $2,000.00 desde hace 75 días.",
        **overrides,
    })


# --- structured answers ----------------------------------------------------------------------


def test_risk_analysis_uses_the_models_validated_narrative_and_keeps_the_rules_score(
    client, late_student, fake_openai
):
    fake_openai.reply(narrative())

    body = client.post(f"/api/v1/ai/risk-analysis/{late_student.pk}").json()

    assert body["source"] == "openai"
    assert body["suggested_action"] == "Llamar hoy a la familia"
    assert (body["risk_level"], body["risk_score"]) == ("HIGH", 79)
    request = fake_openai.requests[0]
    assert request["_path"] == "/v1/chat/completions"
    assert request["model"] == "gpt-4o"
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["strict"] is True


def test_an_answer_that_is_not_json_falls_back_to_the_rules(client, late_student, fake_openai):
    fake_openai.reply(completion("Sure! Here is the analysis: {recommendations: ["))

    body = client.post(f"/api/v1/ai/risk-analysis/{late_student.pk}").json()

    assert body["source"] == "rules"
    assert body["suggested_action"] == "Enviar estado de cuenta con el saldo vencido de $2,000.00"
    assert llm_last_call()["succeeded"] is False
    assert llm_last_call()["error"] == "invalid_json"


def test_an_answer_missing_a_required_key_falls_back_to_the_rules(client, late_student, fake_openai):
    fake_openai.reply(json_completion({"recommendations": ["Llamar"], "suggested_action": "Llamar"}))

    body = client.post(f"/api/v1/ai/risk-analysis/{late_student.pk}").json()

    assert body["source"] == "rules"
    assert llm_last_call()["error"] == "invalid_output"


def test_an_answer_quoting_a_figure_we_never_gave_falls_back_to_the_rules(client, late_student, fake_openai):
    fake_openai.reply(narrative(analysis_summary="Debe $5,300.00 y pagará en 3 días."))

    body = client.post(f"/api/v1/ai/risk-analysis/{late_student.pk}").json()

    assert body["source"] == "rules"
    assert "5,300" not in str(body)


def test_a_refusal_falls_back_to_the_rules(client, late_student, fake_openai):
    fake_openai.reply(completion(None, refusal="I can't help with that."))

    body = client.post(f"/api/v1/ai/risk-analysis/{late_student.pk}").json()

    assert body["source"] == "rules"
    assert llm_last_call()["error"] == "refusal"


def test_a_timeout_falls_back_to_the_rules_within_the_time_budget(
    client, late_student, fake_openai, settings, caplog
):
    settings.OPENAI_TIMEOUT_SECONDS = 1
    fake_openai.reply(narrative(), hold=True)
    caplog.set_level(logging.WARNING)

    started = time.monotonic()
    body = client.post(f"/api/v1/ai/risk-analysis/{late_student.pk}").json()

    assert time.monotonic() - started < 3
    assert body["source"] == "rules"
    assert llm_last_call()["error"] == "timeout"
    assert len(fake_openai.requests) == 1  # a timeout spends the budget: no retry
    assert any("ai_fallback" in str(r.msg) and "timeout" in str(r.msg) for r in caplog.records)


def test_rate_limiting_is_retried_once_then_falls_back(client, late_student, fake_openai):
    fake_openai.reply(RATE_LIMITED, status=429)
    fake_openai.reply(RATE_LIMITED, status=429)
    fake_openai.reply(narrative())

    body = client.post(f"/api/v1/ai/risk-analysis/{late_student.pk}").json()

    assert body["source"] == "rules"
    assert len(fake_openai.requests) == 2
    assert llm_last_call()["error"] == "rate_limited"


def test_a_server_error_then_a_good_answer_succeeds_on_the_retry(client, late_student, fake_openai):
    fake_openai.reply(SERVER_ERROR, status=500)
    fake_openai.reply(narrative())

    body = client.post(f"/api/v1/ai/risk-analysis/{late_student.pk}").json()

    assert body["source"] == "openai"
    assert llm_last_call()["succeeded"] is True


def test_a_server_that_refuses_connections_falls_back_to_the_rules(client, late_student, settings):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = f"http://127.0.0.1:{port}/v1"
    settings.OPENAI_TIMEOUT_SECONDS = 2

    body = client.post(f"/api/v1/ai/risk-analysis/{late_student.pk}").json()

    assert body["source"] == "rules"
    assert llm_last_call()["error"] == "connection_error"


def test_openai_is_never_called_inside_a_database_transaction(late_student, fake_openai):
    fake_openai.reply(narrative())

    with transaction.atomic():
        _, source = risk_analysis_get(student=late_student)

    assert source == "rules"
    assert fake_openai.requests == []


# --- collection messages ---------------------------------------------------------------------


def free_message(client, channel="SMS"):
    return client.post(
        "/api/v1/ai/collection-message",
        {"student_name": "Juan Pérez", "amount": "1500", "due_date": "2026-03-15", "channel": channel},
        format="json",
    ).json()


def test_a_valid_model_sms_is_used(client, fake_openai):
    fake_openai.reply(json_completion(
        {"subject": "", "body": "Hola, el saldo de Juan Pérez es $1,500.00 con vencimiento 15/03/2026."}
    ))

    body = free_message(client)

    assert body["source"] == "openai"
    assert body["subject"] is None
    assert body["body"].startswith("Hola, el saldo")


def test_a_model_sms_longer_than_160_characters_falls_back_to_the_rules(client, fake_openai):
    fake_openai.reply(json_completion({"subject": "", "body": "Saldo $1,500.00. " + "a" * 160}))

    body = free_message(client)

    assert body["source"] == "rules"
    assert len(body["body"]) <= 160


def test_a_model_message_with_an_invented_late_fee_falls_back_to_the_rules(client, fake_openai):
    fake_openai.reply(json_completion(
        {"subject": "Pago", "body": "Debe $1,500.00 más un recargo de $150.00 desde el 15/03/2026."}
    ))

    body = free_message(client, channel="EMAIL")

    assert body["source"] == "rules"
    assert "150.00" not in body["body"].replace("1,500.00", "")


def test_a_model_email_without_the_amount_falls_back_to_the_rules(client, fake_openai):
    fake_openai.reply(json_completion({"subject": "Recordatorio", "body": "Tiene un saldo pendiente."}))

    body = free_message(client, channel="EMAIL")

    assert body["source"] == "rules"


# --- assistant -------------------------------------------------------------------------------


def test_the_assistant_answers_through_a_tool_call_round_trip(client, school, fake_openai):
    student = StudentFactory(school=school, first_name="Juan", last_name="Pérez")
    invoice_with_payments(student, amount="1000.00", due_days_ago=20)
    fake_openai.reply(completion(tool_calls=[("call_1", "student_balance", {"name": "Juan Pérez",
                                                                           "school_name": None})]))
    fake_openai.reply(completion("Juan Pérez debe $1,000.00, todo vencido."))

    body = client.post("/api/v1/ai/assistant", {"question": "¿Cuánto debe Juan Pérez?"}, format="json").json()

    assert (body["source"], body["answer"]) == ("openai", "Juan Pérez debe $1,000.00, todo vencido.")
    assert [t["function"]["name"] for t in fake_openai.requests[0]["tools"]] == [
        "student_balance", "overdue_students", "top_debtors", "school_summary"
    ]
    tool_message = fake_openai.requests[1]["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    assert '"pending": "1000.00"' in tool_message["content"]
    assert body["data"]["tool_results"][0]["matches"][0]["student_id"] == str(student.pk)


def test_a_final_answer_with_a_figure_no_tool_returned_falls_back_to_the_rules(client, school, fake_openai):
    student = StudentFactory(school=school, first_name="Juan", last_name="Pérez")
    invoice_with_payments(student, amount="1000.00", due_days_ago=20)
    call = ("c1", "student_balance", {"name": "Juan", "school_name": None})
    fake_openai.reply(completion(tool_calls=[call]))
    fake_openai.reply(completion("Juan Pérez debe $4,250.00."))

    body = client.post("/api/v1/ai/assistant", {"question": "¿Cuánto debe Juan Pérez?"}, format="json").json()

    assert (body["source"], body["intent"]) == ("rules", "student_balance")
    assert "$1,000.00" in body["answer"]


def test_a_model_that_keeps_calling_tools_falls_back_to_the_rules(client, fake_openai):
    for i in range(5):
        call = (f"c{i}", "top_debtors", {"limit": 5, "school_name": None})
        fake_openai.reply(completion(tool_calls=[call]))

    body = client.post("/api/v1/ai/assistant", {"question": "top debtors"}, format="json").json()

    assert (body["source"], body["intent"]) == ("rules", "top_debtors")
    assert llm_last_call()["error"] == "too_many_tool_rounds"


def test_an_unknown_tool_or_bad_arguments_get_an_error_result_not_a_crash(client, fake_openai):
    fake_openai.reply(completion(tool_calls=[
        ("c1", "drop_tables", {}),
        ("c2", "overdue_students", {"min_days_overdue": "many", "school_name": None}),
        ("c3", "school_summary", {"school_name": None, "date_from": "yesterday", "date_to": None}),
    ]))
    fake_openai.reply(completion("No pude obtener los datos."))

    body = client.post("/api/v1/ai/assistant", {"question": "resumen"}, format="json").json()

    assert body["source"] == "openai"
    results = [m["content"] for m in fake_openai.requests[1]["messages"] if m["role"] == "tool"]
    assert [('"error"' in r) for r in results] == [True, True, True]


# --- executive summary and status --------------------------------------------------------------


def test_the_executive_summary_uses_the_models_narrative_over_the_same_kpis(client, school, fake_openai):
    invoice_with_payments(StudentFactory(school=school), amount="1000.00", due_days_ago=100)
    fake_openai.reply(json_completion({
        "narrative": "Se facturaron $1,000.00 y todo está vencido hace más de 90 días.",
        "recommendations": ["Escalar el saldo de $1,000.00"],
    }))

    body = client.post("/api/v1/ai/executive-summary", {}, format="json").json()

    assert body["source"] == "openai"
    assert body["narrative"].startswith("Se facturaron $1,000.00")
    assert body["kpis"]["aging"]["90+"] == float(Decimal("1000.00"))


def test_status_reports_openai_mode_the_model_and_the_last_call(client, late_student, fake_openai):
    fake_openai.reply(narrative())
    client.post(f"/api/v1/ai/risk-analysis/{late_student.pk}")

    body = client.get("/api/v1/ai/status").json()

    assert (body["mode"], body["available"], body["model"]) == ("openai", True, "gpt-4o")
    assert body["last_call"]["succeeded"] is True
    assert body["last_call"]["operation"] == "risk_analysis"


def test_status_shows_the_reason_of_the_last_failure(client, fake_openai):
    cache.set(STATUS_CACHE_KEY, {"succeeded": False, "at": "2026-01-01T00:00:00+00:00",
                                 "operation": "assistant", "error": "rate_limited"}, None)

    body = client.get("/api/v1/ai/status").json()

    assert body["last_call"]["error"] == "rate_limited"


def test_a_tool_call_naming_several_schools_gets_the_candidates_instead_of_a_guess(fake_openai):
    user = member(SchoolFactory(name="Colegio Norte"), Role.VIEWER)
    user.memberships.create(school=SchoolFactory(name="Colegio Sur"), role=Role.VIEWER)
    call = ("c1", "overdue_students", {"min_days_overdue": 0, "school_name": "colegio"})
    fake_openai.reply(completion(tool_calls=[call]))
    fake_openai.reply(completion("¿De qué colegio?"))

    authenticated_client(user).post("/api/v1/ai/assistant", {"question": "¿Quién debe?"}, format="json")

    result = fake_openai.requests[1]["messages"][-1]["content"]
    assert '"ambiguous_school"' in result
    assert "Colegio Norte" in result and "Colegio Sur" in result
