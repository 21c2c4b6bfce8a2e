from datetime import date, timedelta
from decimal import Decimal

import pytest

from ai_agent.risk import risk_analysis_get, risk_analysis_rules, risk_metrics_compute
from ai_agent.selectors import InvoiceRecord
from students.models import Student
from tests.ai_agent.histories import chronic_late_history, invoice_with_payments, punctual_history
from tests.students.factories import StudentFactory

TODAY = date(2026, 6, 15)


def record(*, amount="1000.00", paid="0.00", due_days_ago: int, settled_days_ago: int | None = None,
           payments: int | None = None) -> InvoiceRecord:
    paid = Decimal(paid)
    return InvoiceRecord(
        amount=Decimal(amount),
        paid_amount=paid,
        due_date=TODAY - timedelta(days=due_days_ago),
        last_payment_date=None if settled_days_ago is None else TODAY - timedelta(days=settled_days_ago),
        payments_count=payments if payments is not None else (1 if paid else 0),
    )


def analyse(records, language="es"):
    student = Student(first_name="Ana", last_name="López")
    metrics = risk_metrics_compute(records, today=TODAY)
    return risk_analysis_rules(student=student, metrics=metrics, language=language)


def paid_on_time(due_days_ago):
    return record(paid="1000.00", due_days_ago=due_days_ago, settled_days_ago=due_days_ago + 3)


def test_a_punctual_record_scores_zero_and_is_low_risk():
    result = analyse([paid_on_time(d) for d in (10, 40, 70, 100)])

    assert result["risk_level"] == "LOW"
    assert result["risk_score"] == 0
    assert result["predicted_payment_probability"] == 0.95
    assert result["risk_factors"][0]["factor"] == "Pagos puntuales"


def test_every_invoice_late_and_two_unpaid_for_months_is_high_risk():
    records = [
        record(paid="1000.00", due_days_ago=d, settled_days_ago=d - 40) for d in (120, 150, 180, 210)
    ] + [record(due_days_ago=100), record(due_days_ago=70)]

    result = analyse(records)

    assert result["risk_level"] == "HIGH"
    assert result["risk_score"] >= 60
    assert result["predicted_payment_probability"] <= 0.41


@pytest.mark.parametrize("language, factor", [("es", "Saldo vencido"), ("en", "Overdue balance")])
def test_the_overdue_factor_quotes_the_real_amount_in_the_requested_language(language, factor):
    result = analyse([paid_on_time(40), record(amount="1500.50", due_days_ago=20)], language=language)

    overdue = next(f for f in result["risk_factors"] if f["factor"] == factor)
    assert "$1,500.50" in overdue["description"]


def test_the_score_never_drops_as_the_unpaid_part_of_an_overdue_invoice_grows():
    history = [paid_on_time(d) for d in (60, 90, 120)]
    scores = [
        analyse([*history, record(amount="1000.00", paid=paid, due_days_ago=20)])["risk_score"]
        for paid in ("900.00", "700.00", "500.00", "200.00", "0.00")
    ]

    assert scores == sorted(scores)
    assert scores[-1] > scores[0]


def test_the_score_never_drops_as_the_amount_of_an_overdue_invoice_grows():
    history = [paid_on_time(d) for d in (60, 90, 120)]
    scores = [
        analyse([*history, record(amount=amount, due_days_ago=20)])["risk_score"]
        for amount in ("100.00", "500.00", "1000.00", "3000.00", "9000.00", "90000.00")
    ]

    assert scores == sorted(scores)
    assert scores[-1] > scores[0]


def test_factor_points_add_up_to_the_score():
    records = [
        record(paid="1000.00", due_days_ago=200, settled_days_ago=180, payments=2),
        paid_on_time(150),
        record(paid="400.00", due_days_ago=50, settled_days_ago=30),
    ]

    result = analyse(records)

    assert round(sum(f["points"] for f in result["risk_factors"])) == result["risk_score"]


def test_invoices_not_yet_due_are_not_judged():
    result = analyse([record(due_days_ago=-20), record(due_days_ago=-50)])

    assert result["risk_score"] == 0
    assert result["metrics"]["decided"] == 0
    assert result["risk_factors"][0]["factor"] == "Sin historial"


def test_invoices_settled_in_several_payments_add_the_partial_payment_factor():
    records = [record(paid="1000.00", due_days_ago=d, settled_days_ago=d + 1, payments=3) for d in (30, 60)]

    result = analyse(records)

    partial = next(f for f in result["risk_factors"] if f["factor"] == "Pagos parciales")
    assert partial["points"] == 10


def test_late_payments_in_the_last_90_days_after_a_clean_quarter_add_a_worsening_trend():
    records = [paid_on_time(d) for d in (100, 130, 160)] + [
        record(paid="1000.00", due_days_ago=d, settled_days_ago=d - 25) for d in (40, 70)
    ]

    result = analyse(records)

    assert any(f["factor"] == "Tendencia al alza" and f["points"] == 5 for f in result["risk_factors"])


def test_the_summary_and_suggested_action_are_in_english_when_asked():
    result = analyse([record(due_days_ago=40)], language="en")

    assert result["analysis_summary"].startswith("Ana López has a")
    assert result["suggested_action"] == result["recommendations"][0]
    assert result["suggested_action"].startswith("Send an account statement showing the $1,000.00 overdue")


@pytest.mark.django_db
def test_a_student_who_always_paid_before_the_due_date_is_low_risk():
    student = StudentFactory()
    punctual_history(student)

    result, source = risk_analysis_get(student=student)

    assert (result["risk_level"], result["risk_score"], source) == ("LOW", 0, "rules")
    assert result["metrics"]["decided"] == 8


@pytest.mark.django_db
def test_a_student_who_always_pays_late_and_owes_two_months_is_high_risk():
    student = StudentFactory()
    chronic_late_history(student)

    result, _ = risk_analysis_get(student=student)

    assert result["risk_level"] == "HIGH"
    assert result["metrics"]["late"] == 8
    assert result["metrics"]["overdue_amount"] == Decimal("2000.00")


@pytest.mark.django_db
def test_cancelled_invoices_do_not_count_in_the_risk():
    student = StudentFactory()
    punctual_history(student, months=3)
    cancelled = invoice_with_payments(student, due_days_ago=90)
    cancelled.status = "CANCELLED"
    cancelled.save(update_fields=["status"])

    result, _ = risk_analysis_get(student=student)

    assert result["risk_score"] == 0
    assert result["metrics"]["invoices"] == 3
