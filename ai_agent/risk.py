"""Payment-risk analysis of one student, from the student's real invoice and payment history.

Scoring (the rules; with OpenAI too, the score, level and probability come from here, so staff
can always explain a number; the model only rewrites the recommendations and the summary):

An invoice is *decided* once it is fully paid or its due date has passed. A decided invoice is
*late* when it was settled (last payment) after its due date, or is still unpaid past its due date;
its days late are settlement date (or today) minus due date.

| # | factor           | measure                                                | points                   |
|---|------------------|--------------------------------------------------------|--------------------------|
| 1 | late payments    | late ÷ decided invoices                                | 30 × share               |
| 2 | days late        | average days late of the late invoices                 | min(15, days ÷ 4)        |
| 3 | overdue amount   | overdue balance ÷ average invoice amount               | min(25, 10 × ratio)      |
| 4 | overdue age      | days since the oldest unpaid due date                  | min(20, days ÷ 4.5)      |
| 5 | partial payments | share of fully paid invoices settled in 2+ payments    | 10 × share               |
| 6 | trend            | late share of the last 90 days vs the 90 days before   | +5 if worse by ≥ 25 pts, |
|   |                  | (each window needs 2 decided invoices)                 | −5 if better by ≥ 25 pts |

score = round(sum), clamped to 0–100. Level: 0–29 LOW, 30–59 MEDIUM, 60–100 HIGH.
predicted_payment_probability = 0.95 − 0.90 × score ÷ 100 (0.95 for a perfect record, 0.05 at 100).

Each factor in the answer carries its `points`, so the factors add up to the score (before rounding
and clamping). For a fixed set of invoices, raising the unpaid part of an overdue invoice never
lowers the score: only factor 3 moves, and overdue ÷ average amount grows with it.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from ai_agent.llm import LLMSession, OutputRejected, answer_with_fallback
from ai_agent.schema import strict_object
from ai_agent.selectors import InvoiceRecord, student_invoice_history_list
from ai_agent.text import allowed_figures, es_en, json_dumps, money, unsupported_figures
from core.dates import local_today
from core.money import ZERO, to_cents
from students.models import Student

LEVEL_BANDS = ((60, "HIGH"), (30, "MEDIUM"), (0, "LOW"))
TREND_WINDOW_DAYS = 90
TREND_MIN_DECIDED = 2
TREND_THRESHOLD = 0.25


@dataclass(frozen=True)
class RiskMetrics:
    invoices: int
    decided: int
    late: int
    late_share: float
    average_days_late: float
    overdue_amount: Decimal
    overdue_invoices: int
    oldest_overdue_days: int
    average_invoice_amount: Decimal
    paid_invoices: int
    paid_in_installments: int
    partial_share: float
    recent_late_share: float | None
    previous_late_share: float | None


def risk_metrics_compute(records: list[InvoiceRecord], *, today: date) -> RiskMetrics:
    """The measures behind the score, from a student's non-cancelled invoices."""
    decided = late = 0
    days_late_total = 0
    overdue_amount = ZERO
    overdue_invoices = 0
    oldest_overdue_days = 0
    paid = installments = 0
    windows = {"recent": [0, 0], "previous": [0, 0]}  # [decided, late]
    recent_start = today - timedelta(days=TREND_WINDOW_DAYS)
    previous_start = recent_start - timedelta(days=TREND_WINDOW_DAYS)

    for record in records:
        if record.is_paid:
            paid += 1
            installments += record.payments_count >= 2
            # A paid invoice without payment rows (loaded history) counts as paid on time.
            settled = record.last_payment_date or record.due_date
            days = (settled - record.due_date).days
        elif record.due_date < today:
            days = (today - record.due_date).days
            overdue_amount += record.balance
            overdue_invoices += 1
            oldest_overdue_days = max(oldest_overdue_days, days)
        else:
            continue  # not due yet: nothing to judge
        decided += 1
        is_late = days > 0
        if is_late:
            late += 1
            days_late_total += days
        if recent_start < record.due_date <= today:
            window = windows["recent"]
        elif previous_start < record.due_date <= recent_start:
            window = windows["previous"]
        else:
            window = None
        if window is not None:
            window[0] += 1
            window[1] += is_late

    amounts = [record.amount for record in records]
    average_amount = to_cents(sum(amounts, ZERO) / len(amounts)) if amounts else ZERO

    def share(window):
        return window[1] / window[0] if window[0] >= TREND_MIN_DECIDED else None

    return RiskMetrics(
        invoices=len(records),
        decided=decided,
        late=late,
        late_share=late / decided if decided else 0.0,
        average_days_late=days_late_total / late if late else 0.0,
        overdue_amount=overdue_amount,
        overdue_invoices=overdue_invoices,
        oldest_overdue_days=oldest_overdue_days,
        average_invoice_amount=average_amount,
        paid_invoices=paid,
        paid_in_installments=installments,
        partial_share=installments / paid if paid else 0.0,
        recent_late_share=share(windows["recent"]),
        previous_late_share=share(windows["previous"]),
    )


def _impact(points: float, maximum: float) -> str:
    if points >= maximum * 2 / 3:
        return "HIGH"
    if points >= maximum / 3:
        return "MEDIUM"
    return "LOW"


def risk_factors_compute(metrics: RiskMetrics, *, language: str) -> list[dict]:
    """The scoring table applied: one factor per row that scored, each with its points."""
    m = metrics
    factors = []

    def add(points: float, maximum: float, es: tuple[str, str], en: tuple[str, str]):
        factor, description = en if language == "en" else es
        factors.append(
            {
                "factor": factor,
                "impact": _impact(points, maximum) if points >= 0 else "LOW",
                "description": description,
                "points": round(points, 1),
            }
        )

    late_pct = round(m.late_share * 100)
    if m.late:
        add(
            30 * m.late_share, 30,
            ("Pagos tardíos", f"{m.late} de {m.decided} facturas vencidas ({late_pct}%) se pagaron "
                              "tarde o siguen sin pagar."),
            ("Late payments", f"{m.late} of {m.decided} due invoices ({late_pct}%) were paid late "
                              "or are still unpaid."),
        )
        days = round(m.average_days_late)
        add(
            min(15.0, m.average_days_late / 4), 15,
            ("Días de atraso", f"Atraso promedio de {days} días en las facturas tardías."),
            ("Days late", f"Late invoices were {days} days late on average."),
        )
    if m.overdue_amount > ZERO:
        ratio = float(m.overdue_amount / m.average_invoice_amount) if m.average_invoice_amount else 0.0
        add(
            min(25.0, 10 * ratio), 25,
            ("Saldo vencido", f"Debe {money(m.overdue_amount)} vencidos en {m.overdue_invoices} "
                              f"factura(s) (factura promedio: {money(m.average_invoice_amount)})."),
            ("Overdue balance", f"Owes {money(m.overdue_amount)} overdue on {m.overdue_invoices} "
                                f"invoice(s) (average invoice: {money(m.average_invoice_amount)})."),
        )
        add(
            min(20.0, m.oldest_overdue_days / 4.5), 20,
            ("Antigüedad del adeudo",
             f"La factura impaga más antigua venció hace {m.oldest_overdue_days} días."),
            ("Age of the debt", f"The oldest unpaid invoice is {m.oldest_overdue_days} days past due."),
        )
    if m.paid_in_installments:
        add(
            10 * m.partial_share, 10,
            ("Pagos parciales", f"{m.paid_in_installments} de {m.paid_invoices} facturas pagadas se "
                                "liquidaron en varios pagos."),
            ("Partial payments", f"{m.paid_in_installments} of {m.paid_invoices} paid invoices were "
                                 "settled in several payments."),
        )
    if m.recent_late_share is not None and m.previous_late_share is not None:
        delta = m.recent_late_share - m.previous_late_share
        recent, previous = round(m.recent_late_share * 100), round(m.previous_late_share * 100)
        if delta >= TREND_THRESHOLD:
            add(
                5, 5,
                ("Tendencia al alza",
                 f"Pagos tardíos en los últimos 90 días: {recent}% (antes: {previous}%)."),
                ("Worsening trend", f"Late payments in the last 90 days: {recent}% (before: {previous}%)."),
            )
        elif delta <= -TREND_THRESHOLD:
            add(
                -5, 5,
                ("Tendencia a la mejora", f"Pagos tardíos en los últimos 90 días: {recent}% "
                                          f"(antes: {previous}%)."),
                ("Improving trend", f"Late payments in the last 90 days: {recent}% (before: {previous}%)."),
            )
    if not factors:
        if m.decided:
            add(
                0, 30,
                ("Pagos puntuales", f"Las {m.decided} facturas vencidas se pagaron a tiempo."),
                ("Punctual payments", f"All {m.decided} due invoices were paid on time."),
            )
        else:
            add(
                0, 30,
                ("Sin historial",
                 "Aún no hay facturas vencidas con las que juzgar el comportamiento de pago."),
                ("No history", "No invoice has come due yet to judge payment behaviour."),
            )
    return factors


def risk_level_for(score: int) -> str:
    return next(level for floor, level in LEVEL_BANDS if score >= floor)


def _recommendations(metrics: RiskMetrics, level: str, language: str) -> list[str]:
    recs = []
    if metrics.overdue_amount > ZERO:
        recs.append(es_en(
            language,
            f"Enviar estado de cuenta con el saldo vencido de {money(metrics.overdue_amount)}",
            f"Send an account statement showing the {money(metrics.overdue_amount)} overdue",
        ))
    if level == "HIGH":
        recs += [
            es_en(language, "Llamar a la familia para acordar un plan de pagos",
                  "Call the family to agree on a payment plan"),
            es_en(language, "Enviar un aviso final por escrito", "Send a final written notice"),
            es_en(language, "Revisar el caso con dirección antes de nuevos cargos",
                  "Review the case with the principal before new charges"),
        ]
    elif level == "MEDIUM":
        recs += [
            es_en(language, "Enviar recordatorio de pago", "Send a payment reminder"),
            es_en(language, "Ofrecer opciones de pago flexibles", "Offer flexible payment options"),
        ]
    else:
        recs += [
            es_en(language, "Mantener los recordatorios automáticos antes del vencimiento",
                  "Keep the automatic reminders before each due date"),
        ]
    if metrics.paid_in_installments and level != "LOW":
        recs.append(es_en(language, "Formalizar un plan de parcialidades", "Set up a formal instalment plan"))
    return recs


def risk_analysis_rules(*, student: Student, metrics: RiskMetrics, language: str) -> dict:
    """The whole answer from the rules (scoring table in the module docstring)."""
    factors = risk_factors_compute(metrics, language=language)
    score = max(0, min(100, round(sum(f["points"] for f in factors))))
    level = risk_level_for(score)
    probability = round(0.95 - 0.90 * score / 100, 2)
    recs = _recommendations(metrics, level, language)
    late_pct = round(metrics.late_share * 100)
    summary = es_en(
        language,
        f"{student.full_name} presenta un nivel de riesgo {level} ({score}/100). "
        f"De {metrics.decided} facturas vencidas, {metrics.late} ({late_pct}%) se pagaron tarde o siguen "
        f"sin pagar; saldo vencido: {money(metrics.overdue_amount)}. "
        f"Probabilidad estimada de pago: {round(probability * 100)}%.",
        f"{student.full_name} has a {level} risk level ({score}/100). "
        f"Of {metrics.decided} due invoices, {metrics.late} ({late_pct}%) were paid late or are still "
        f"unpaid; overdue balance: {money(metrics.overdue_amount)}. "
        f"Estimated payment probability: {round(probability * 100)}%.",
    )
    return {
        "student_id": student.pk,
        "student_name": student.full_name,
        "risk_level": level,
        "risk_score": score,
        "risk_factors": factors,
        "recommendations": recs,
        "predicted_payment_probability": probability,
        "suggested_action": recs[0],
        "analysis_summary": summary,
        "metrics": _metrics_out(metrics),
    }


def _metrics_out(metrics: RiskMetrics) -> dict:
    data = asdict(metrics)
    for key in ("late_share", "partial_share", "recent_late_share", "previous_late_share"):
        if data[key] is not None:
            data[key] = round(data[key], 2)
    data["average_days_late"] = round(data["average_days_late"], 1)
    return data


_NARRATIVE_SCHEMA = strict_object({
    "recommendations": {"type": "array", "items": {"type": "string"}},
    "suggested_action": {"type": "string"},
    "analysis_summary": {"type": "string"},
})


def _validate_narrative(data: dict, *, allowed) -> dict:
    recs = data.get("recommendations")
    if not isinstance(recs, list) or not 1 <= len(recs) <= 6:
        raise OutputRejected("recommendations: 1 to 6 strings are required")
    texts = {key: data.get(key) for key in ("suggested_action", "analysis_summary")}
    for i, rec in enumerate(recs):
        texts[f"recommendations[{i}]"] = rec
    for name, text in texts.items():
        if not isinstance(text, str) or not text.strip() or len(text) > 1500:
            raise OutputRejected(f"{name}: a non-empty text of at most 1500 characters is required")
        invented = unsupported_figures(text, allowed)
        if invented:
            raise OutputRejected(f"{name}: figures not in the data: {invented[:5]}")
    return {
        "recommendations": [r.strip() for r in recs],
        "suggested_action": texts["suggested_action"].strip(),
        "analysis_summary": texts["analysis_summary"].strip(),
    }


def risk_analysis_get(*, student: Student, language: str = "es") -> tuple[dict, str]:
    """Risk analysis of a (visible) student: (answer, source). Reads first, then asks OpenAI."""
    today = local_today()
    metrics = risk_metrics_compute(student_invoice_history_list(student_id=student.pk), today=today)
    rules = risk_analysis_rules(student=student, metrics=metrics, language=language)

    def with_openai(session: LLMSession) -> dict:
        facts = {
            "student_name": student.full_name,
            "school_name": student.school.name,
            "risk_level": rules["risk_level"],
            "risk_score": rules["risk_score"],
            "predicted_payment_probability_percent": round(rules["predicted_payment_probability"] * 100),
            "risk_factors": rules["risk_factors"],
            "metrics": {**rules["metrics"], "late_share_percent": round(metrics.late_share * 100)},
            "trend_window_days": TREND_WINDOW_DAYS,
            "overdue_amount_formatted": money(metrics.overdue_amount),
            "average_invoice_amount_formatted": money(metrics.average_invoice_amount),
        }
        allowed = allowed_figures(facts)
        narrative = session.json_answer(
            messages=[
                {"role": "system", "content": es_en(
                    language,
                    "Eres analista de cobranza de una escuela. Con los datos dados (puntaje y factores ya "
                    "calculados, no los cambies) escribe en español recomendaciones concretas, la acción "
                    "sugerida y un resumen breve. Usa solo cifras que aparezcan en los datos, tal como "
                    "aparecen; no inventes montos, fechas ni porcentajes.",
                    "You are a school's collections analyst. From the data given (score and factors are "
                    "already computed; do not change them) write in English concrete recommendations, the "
                    "suggested action and a short summary. Use only figures that appear in the data, "
                    "exactly as they appear; never invent amounts, dates or percentages.",
                )},
                {"role": "user", "content": json_dumps(facts)},
            ],
            schema_name="risk_narrative",
            schema=_NARRATIVE_SCHEMA,
            validate=lambda data: _validate_narrative(data, allowed=allowed),
        )
        return {**rules, **narrative}

    return answer_with_fallback(
        operation="risk_analysis", openai_answer=with_openai, rules_answer=lambda: rules
    )
