"""Every endpoint in rules mode (no OPENAI_API_KEY): shapes, real figures, errors."""

from decimal import Decimal

import pytest

from ai_agent.messages import SMS_MAX_CHARS
from tests.ai_agent.histories import chronic_late_history, days_ago, invoice_with_payments, punctual_history
from tests.conftest import authenticated_client, member
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db

SEED_RISK_KEYS = {
    "student_id", "risk_level", "risk_score", "risk_factors", "recommendations",
    "predicted_payment_probability", "suggested_action", "analysis_summary",
}


# --- risk analysis ----------------------------------------------------------------------------


def test_risk_analysis_has_every_key_of_the_seed_example_plus_source(viewer, school):
    student = StudentFactory(school=school)
    chronic_late_history(student)

    response = viewer.post(f"/api/v1/ai/risk-analysis/{student.pk}")

    assert response.status_code == 200
    body = response.json()
    assert SEED_RISK_KEYS <= body.keys()
    assert body["source"] == "rules"
    assert body["student_id"] == str(student.pk)
    assert body["risk_level"] == "HIGH"
    assert 0 <= body["predicted_payment_probability"] <= 1
    assert all({"factor", "impact", "description"} <= f.keys() for f in body["risk_factors"])


def test_risk_analysis_answers_with_and_without_trailing_slash_and_in_english(viewer, school):
    student = StudentFactory(school=school)
    punctual_history(student, months=2)

    response = viewer.post(f"/api/v1/ai/risk-analysis/{student.pk}/?language=en")

    assert response.status_code == 200
    assert response.json()["risk_factors"][0]["factor"] == "Punctual payments"


def test_risk_analysis_refuses_an_unknown_language(viewer, school):
    student = StudentFactory(school=school)

    response = viewer.post(f"/api/v1/ai/risk-analysis/{student.pk}?language=fr")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("student_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "1"])
def test_risk_analysis_of_an_unknown_or_malformed_student_is_404(viewer, student_id):
    response = viewer.post(f"/api/v1/ai/risk-analysis/{student_id}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_risk_analysis_costs_a_fixed_number_of_queries(viewer, school, django_assert_max_num_queries):
    student = StudentFactory(school=school)
    chronic_late_history(student)

    with django_assert_max_num_queries(4):
        viewer.post(f"/api/v1/ai/risk-analysis/{student.pk}")


# --- collection messages ---------------------------------------------------------------------


def message(client, **body):
    payload = {"student_name": "Juan Pérez", "amount": "1500", "due_date": "2026-03-15",
               "school_name": "Colegio San José", "channel": "EMAIL", **body}
    return client.post("/api/v1/ai/collection-message", payload, format="json")


def test_an_email_has_a_subject_and_quotes_the_amount_with_two_decimals(viewer):
    response = message(viewer, channel="EMAIL", tone="friendly")

    assert response.status_code == 200
    body = response.json()
    assert body["source"] == "rules"
    assert body["subject"] and "Juan Pérez" in body["subject"]
    assert "$1,500.00" in body["body"]
    assert "15 de marzo de 2026" in body["body"]
    assert body["amount"] == 1500.0


@pytest.mark.parametrize("tone", ["friendly", "firm", "final"])
@pytest.mark.parametrize("language", ["es", "en"])
def test_an_sms_never_exceeds_160_characters_even_with_a_200_character_name(viewer, tone, language):
    response = message(viewer, channel="SMS", tone=tone, language=language, student_name="Ñ" * 200,
                       school_name="S" * 200, amount="9999999999.99")

    assert response.status_code == 200
    body = response.json()
    assert body["subject"] is None
    assert len(body["body"]) == body["character_count"] <= SMS_MAX_CHARS
    assert "$9,999,999,999.99" in body["body"]


def test_a_whatsapp_message_in_english_quotes_the_real_date(viewer):
    response = message(viewer, channel="whatsapp", language="en", due_date="2026-03-15")

    assert response.status_code == 200
    assert response.json()["channel"] == "WHATSAPP"
    assert "03/15/2026" in response.json()["body"]


def test_a_final_notice_says_so(viewer):
    response = message(viewer, channel="EMAIL", tone="final")

    assert "aviso final" in response.json()["body"].lower()


@pytest.mark.parametrize(
    "override, field",
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "10000000000.00"}, "amount"),
        ({"amount": True}, "amount"),
        ({"due_date": "15/03/2026"}, "due_date"),
        ({"channel": "FAX"}, "channel"),
        ({"tone": "angry"}, "tone"),
        ({"language": "fr"}, "language"),
        ({"student_name": "x" * 201}, "student_name"),
        ({"student_name": ""}, "student_name"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_message_request_is_a_400_naming_the_field(viewer, override, field):
    response = message(viewer, **override)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]


def test_a_student_message_uses_the_real_open_invoices_and_the_earliest_due_date(viewer, school):
    student = StudentFactory(school=school, first_name="Ana", last_name="López")
    invoice_with_payments(student, amount="1200.00", due_days_ago=40, payments=[(35, "200.00")])
    invoice_with_payments(student, amount="1200.00", due_days_ago=-10)
    invoice_with_payments(student, amount="1200.00", due_days_ago=70, payments=[(60, "1200.00")])

    response = viewer.post(f"/api/v1/ai/collection-message/{student.pk}", {}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["channel"] == "EMAIL"
    assert body["tone"] == "firm"  # something is overdue
    assert body["amount"] == 2200.0
    assert body["due_date"] == days_ago(40).isoformat()
    assert [i["pending_amount"] for i in body["invoices"]] == [1000.0, 1200.0]
    assert "$2,200.00" in body["body"] and "$1,000.00" in body["body"]
    assert body["school_name"] == school.name


@pytest.mark.parametrize("channel", ["EMAIL", "SMS", "WHATSAPP"])
def test_a_partly_overdue_balance_says_which_part_is_overdue(viewer, school, channel):
    student = StudentFactory(school=school)
    invoice_with_payments(student, amount="800.00", due_days_ago=15)
    invoice_with_payments(student, amount="1200.00", due_days_ago=-15)

    response = viewer.post(f"/api/v1/ai/collection-message/{student.pk}", {"channel": channel}, format="json")

    body = response.json()
    assert (body["amount"], body["overdue_amount"]) == (2000.0, 800.0)
    assert "$2,000.00" in body["body"] and "$800.00" in body["body"]
    assert days_ago(15).strftime("%d/%m/%Y") in body["body"] or str(days_ago(15).year) in body["body"]


def test_a_student_message_for_a_student_who_owes_nothing_is_a_409(viewer, school):
    student = StudentFactory(school=school)
    punctual_history(student, months=2)

    response = viewer.post(f"/api/v1/ai/collection-message/{student.pk}", {"channel": "SMS"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_collect"


def test_a_student_sms_fits_in_160_characters(viewer, school):
    student = StudentFactory(school=school)
    invoice_with_payments(student, amount="1850.00", due_days_ago=5)

    response = viewer.post(f"/api/v1/ai/collection-message/{student.pk}/", {"channel": "SMS"}, format="json")

    body = response.json()
    assert len(body["body"]) <= 160
    assert "$1,850.00" in body["body"]


# --- assistant -------------------------------------------------------------------------------


def ask(client, question, **extra):
    return client.post("/api/v1/ai/assistant", {"question": question, **extra}, format="json")


def test_the_assistant_answers_how_much_a_student_owes_in_spanish(viewer, school):
    student = StudentFactory(school=school, first_name="Juan", last_name="Pérez")
    invoice_with_payments(student, amount="1500.00", due_days_ago=20, payments=[(10, "500.00")])

    response = ask(viewer, "¿Cuánto debe Juan Perez?")

    assert response.status_code == 200
    body = response.json()
    assert (body["intent"], body["answered"], body["source"], body["language"]) == (
        "student_balance", True, "rules", "es"
    )
    assert "Juan Pérez" in body["answer"] and "$1,000.00" in body["answer"]
    assert body["data"]["matches"][0]["pending"] == 1000.0


def test_the_assistant_lists_students_more_than_60_days_overdue_at_a_named_school(viewer, school):
    school.name = "Colegio Hidalgo"
    school.save(update_fields=["name"])
    late = StudentFactory(school=school, first_name="Luis", last_name="Mora")
    recent = StudentFactory(school=school, first_name="Eva", last_name="Ruiz")
    invoice_with_payments(late, amount="900.00", due_days_ago=75)
    invoice_with_payments(recent, amount="900.00", due_days_ago=20)

    response = ask(viewer, "Which students are more than 60 days overdue at Colegio Hidalgo?")

    body = response.json()
    assert (body["intent"], body["language"]) == ("overdue_students", "en")
    assert "Luis Mora" in body["answer"] and "75 days" in body["answer"]
    assert "Eva Ruiz" not in body["answer"]


def test_the_assistant_says_plainly_when_it_cannot_answer(viewer):
    response = ask(viewer, "¿Qué tiempo hará mañana?")

    body = response.json()
    assert (body["intent"], body["answered"]) == ("unknown", False)
    assert body["answer"].startswith("No puedo responder")


def test_the_assistant_gives_a_collection_summary_for_this_month(viewer, school):
    student = StudentFactory(school=school)
    invoice_with_payments(student, amount="1000.00", due_days_ago=0, payments=[(0, "1000.00")])

    response = ask(viewer, "Resumen de cobranza de este mes")

    body = response.json()
    assert body["intent"] == "school_summary"
    assert body["data"]["totals"]["invoiced"] == 1000.0
    assert "100.00%" in body["answer"]


def test_the_assistant_lists_the_top_debtors(viewer, school):
    big, small = StudentFactory(school=school), StudentFactory(school=school)
    invoice_with_payments(big, amount="5000.00", due_days_ago=-5)
    invoice_with_payments(small, amount="100.00", due_days_ago=-5)

    response = ask(viewer, "¿Quiénes son los mayores deudores?")

    body = response.json()
    assert body["intent"] == "top_debtors"
    assert [d["student_id"] for d in body["data"]["debtors"]] == [str(big.pk), str(small.pk)]


@pytest.mark.parametrize("question", ["", "   ", "x" * 501])
def test_an_empty_or_too_long_question_is_a_400(viewer, question):
    response = ask(viewer, question)

    assert response.status_code == 400
    assert "question" in response.json()["fields"]


# --- executive summary -----------------------------------------------------------------------


def test_the_executive_summary_has_kpis_aging_narrative_and_recommendations(viewer, school):
    student = StudentFactory(school=school)
    invoice_with_payments(student, amount="1000.00", due_days_ago=100)
    invoice_with_payments(student, amount="1000.00", due_days_ago=45, payments=[(40, "400.00")])
    invoice_with_payments(student, amount="1000.00", due_days_ago=10, payments=[(12, "1000.00")])

    response = viewer.post("/api/v1/ai/executive-summary", {"school_id": str(school.pk)}, format="json")

    assert response.status_code == 200
    body = response.json()
    kpis = body["kpis"]
    figures = (kpis["invoiced"], kpis["collected"], kpis["pending"], kpis["overdue"])
    assert figures == (3000.0, 1400.0, 1600.0, 1600.0)
    assert kpis["collection_rate"] == 46.67  # two decimals, like every rate (core.money.RATE_PLACES)
    assert kpis["aging"] == {"0-30": 0.0, "31-60": 600.0, "61-90": 0.0, "90+": 1000.0}
    assert body["schools"][0]["school_name"] == school.name
    assert body["narrative"].startswith(school.name)
    assert any("$1,000.00" in r for r in body["recommendations"])
    assert body["source"] == "rules"


def test_the_executive_summary_counts_only_invoices_due_in_the_period(viewer, school):
    student = StudentFactory(school=school)
    invoice_with_payments(student, amount="700.00", due_days_ago=100)
    invoice_with_payments(student, amount="300.00", due_days_ago=10)

    response = viewer.post(
        "/api/v1/ai/executive-summary",
        {"date_from": days_ago(30).isoformat(), "date_to": days_ago(0).isoformat(), "language": "en"},
        format="json",
    )

    body = response.json()
    assert body["kpis"]["invoiced"] == 300.0
    assert body["period"] == {"from": days_ago(30).isoformat(), "to": days_ago(0).isoformat()}
    assert body["narrative"].startswith("Your schools (1), invoices due from")


def test_the_executive_summary_refuses_a_period_that_ends_before_it_starts(viewer):
    response = viewer.post(
        "/api/v1/ai/executive-summary", {"date_from": "2026-05-01", "date_to": "2026-04-01"}, format="json"
    )

    assert response.status_code == 400
    assert "date_to" in response.json()["fields"]


def test_the_executive_summary_of_all_schools_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    user = member(SchoolFactory(), Role.VIEWER)
    for _ in range(3):
        school = SchoolFactory()
        member_school = school
        user.memberships.create(school=member_school, role=Role.VIEWER)
        for _ in range(3):
            invoice_with_payments(StudentFactory(school=school), due_days_ago=40)
    client = authenticated_client(user)

    with django_assert_max_num_queries(12):
        response = client.post("/api/v1/ai/executive-summary", {}, format="json")

    assert response.json()["kpis"]["invoiced"] == 9000.0
    assert len(response.json()["schools"]) == 4


# --- status ----------------------------------------------------------------------------------


def test_status_in_rules_mode_says_so(viewer):
    response = viewer.get("/api/v1/ai/status")

    assert response.status_code == 200
    body = response.json()
    assert (body["mode"], body["available"], body["model"], body["last_call"]) == ("rules", False, None, None)
    assert body["last_call_shared"] is False


def test_money_in_answers_is_decimal_exact(viewer, school):
    student = StudentFactory(school=school, first_name="Rita", last_name="Sol")
    invoice_with_payments(student, amount="0.30", due_days_ago=-3, payments=[(1, "0.10")])

    response = ask(viewer, "saldo de Rita Sol")

    assert response.json()["data"]["matches"][0]["pending"] == float(Decimal("0.20"))


def test_null_optional_fields_mean_the_defaults(viewer, school):
    student = StudentFactory(school=school)
    invoice_with_payments(student, amount="300.00", due_days_ago=-10)

    response = viewer.post(
        f"/api/v1/ai/collection-message/{student.pk}",
        {"channel": None, "tone": None, "language": None},
        format="json",
    )

    body = response.json()
    assert (body["channel"], body["tone"], body["language"]) == ("EMAIL", "friendly", "es")


def test_dates_are_written_with_four_digit_years_whatever_the_year(viewer):
    response = message(viewer, channel="SMS", due_date="0099-01-05")

    assert "05/01/0099" in response.json()["body"]
