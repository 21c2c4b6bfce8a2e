"""Executive summary: collection KPIs of one school or all of the caller's, a narrative, advice.

The KPIs are SQL aggregates (see `ai_agent.selectors.school_kpis_get` for each definition) cached
per school version, so they are exact right after any payment. The narrative and recommendations
come from the rules below, or from OpenAI writing about the same figures (any figure it quotes
that we did not give it sends the answer back to the rules).
"""

from datetime import date
from decimal import Decimal
from uuid import UUID

from ai_agent.llm import LLMSession, OutputRejected, answer_with_fallback
from ai_agent.schema import strict_object
from ai_agent.selectors import AGING_BUCKETS, school_kpis_get, top_debtors_list
from ai_agent.text import allowed_figures, date_long, es_en, json_dumps, money, percent, unsupported_figures
from core.dates import local_today
from core.money import rate_percent
from schools.cache import cached_for_schools

TOP_DEBTORS = 5
LOW_COLLECTION_RATE = Decimal("80")
CONCENTRATION_SHARE = Decimal("50")


def executive_facts_get(
    *, school_ids: list[UUID] | None, date_from: date | None, date_to: date | None, today: date
) -> dict:
    """KPIs, per-school rows, top debtors and derived shares; cached per school version."""

    def compute() -> dict:
        kpis = school_kpis_get(school_ids=school_ids, date_from=date_from, date_to=date_to, today=today)
        debtors = top_debtors_list(school_ids=school_ids, today=today, limit=TOP_DEBTORS)
        totals = kpis["totals"]
        aging = totals["aging"]
        top_pending = sum((d["pending"] for d in debtors), Decimal("0.00"))
        return {
            **kpis,
            "top_debtors": debtors,
            "shares": {
                "overdue_of_pending": rate_percent(totals["overdue"], totals["pending"]),
                "overdue_over_90_days": rate_percent(aging["90+"], totals["overdue"]),
                "top_debtors_of_pending": rate_percent(top_pending, totals["pending"]),
            },
        }

    return cached_for_schools(
        namespace="ai_executive_facts",
        school_ids=school_ids,
        params={
            "schools": sorted(map(str, school_ids)) if school_ids is not None else None,
            "from": date_from, "to": date_to, "today": today,
        },
        compute=compute,
    )


def _span(date_from: date | None, date_to: date | None, language: str) -> str:
    if date_from and date_to:
        return es_en(language, f"del {date_long(date_from, language)} al {date_long(date_to, language)}",
                     f"from {date_long(date_from, language)} to {date_long(date_to, language)}")
    if date_from:
        day = date_long(date_from, language)
        return es_en(language, f"desde el {day}", f"since {day}")
    if date_to:
        day = date_long(date_to, language)
        return es_en(language, f"hasta el {day}", f"up to {day}")
    return ""


def executive_summary_rules(*, facts: dict, where: str, span: str, language: str) -> dict:
    t, shares = facts["totals"], facts["shares"]
    aging = t["aging"]
    if not t["invoices"]:
        return {
            "narrative": es_en(language, f"{where}: no hay facturas con vencimiento {span}".strip() + ".",
                               f"{where}: no invoices due {span}".strip() + "."),
            "recommendations": [es_en(language, "Verificar que las colegiaturas del periodo se hayan emitido",
                                      "Check that the period's tuition invoices have been issued")],
        }
    narrative = es_en(
        language,
        f"{where}{f', facturas con vencimiento {span}' if span else ''}: "
        f"se facturaron {money(t['invoiced'])} y se han cobrado "
        f"{money(t['collected'])} ({percent(t['collection_rate'])}). Quedan {money(t['pending'])} "
        f"pendientes, de los cuales {money(t['overdue'])} están vencidos en {t['overdue_invoices']} "
        f"factura(s) de {t['students_with_overdue']} alumno(s).",
        f"{where}{f', invoices due {span}' if span else ''}: "
        f"{money(t['invoiced'])} invoiced and {money(t['collected'])} "
        f"collected ({percent(t['collection_rate'])}). {money(t['pending'])} is still pending, of which "
        f"{money(t['overdue'])} is overdue on {t['overdue_invoices']} invoice(s) of "
        f"{t['students_with_overdue']} student(s).",
    )
    if t["overdue"] and shares["overdue_over_90_days"]:
        narrative += es_en(
            language,
            f" El {percent(shares['overdue_over_90_days'])} de lo vencido tiene más de 90 días "
            f"({money(aging['90+'])}).",
            f" {percent(shares['overdue_over_90_days'])} of the overdue amount is more than 90 days old "
            f"({money(aging['90+'])}).",
        )
    narrative += es_en(language, f" Pagos recibidos en el periodo: {money(t['payments_received'])}.",
                       f" Payments received in the period: {money(t['payments_received'])}.")

    recs = []
    if aging["90+"]:
        recs.append(es_en(
            language,
            f"Escalar los saldos con más de 90 días ({money(aging['90+'])}): llamada personal y plan "
            "de pagos",
            f"Escalate the balances more than 90 days overdue ({money(aging['90+'])}): personal call and "
            "payment plan",
        ))
    if aging["61-90"]:
        recs.append(es_en(
            language,
            f"Contactar hoy los saldos de 61 a 90 días ({money(aging['61-90'])}) antes de que envejezcan más",
            f"Contact the 61-90 day balances ({money(aging['61-90'])}) now, before they age further",
        ))
    if t["collection_rate"] is not None and t["collection_rate"] < LOW_COLLECTION_RATE:
        recs.append(es_en(
            language,
            f"Reforzar la cobranza: la tasa de cobro es {percent(t['collection_rate'])}; enviar "
            "recordatorios a todos los saldos pendientes",
            f"Step up collections: the collection rate is {percent(t['collection_rate'])}; send reminders "
            "for every pending balance",
        ))
    top_share = shares["top_debtors_of_pending"]
    if top_share is not None and top_share >= CONCENTRATION_SHARE and facts["top_debtors"]:
        recs.append(es_en(
            language,
            f"Los {len(facts['top_debtors'])} mayores deudores concentran el {percent(top_share)} del "
            "pendiente: atenderlos personalmente",
            f"The top {len(facts['top_debtors'])} debtors hold {percent(top_share)} of the pending "
            "amount: handle them personally",
        ))
    if not t["overdue"]:
        recs.append(es_en(language, "Mantener los recordatorios automáticos previos al vencimiento",
                          "Keep the automatic reminders before each due date"))
    elif t["overdue"] and not aging["90+"] and not aging["61-90"]:
        recs.append(es_en(language, "Enviar recordatorio amistoso a los saldos vencidos recientes",
                          "Send a friendly reminder for the recently overdue balances"))
    return {"narrative": narrative, "recommendations": recs}


_SCHEMA = strict_object({
    "narrative": {"type": "string"},
    "recommendations": {"type": "array", "items": {"type": "string"}},
})


def _validate(data: dict, *, allowed) -> dict:
    narrative, recs = data.get("narrative"), data.get("recommendations")
    if not isinstance(narrative, str) or not narrative.strip() or len(narrative) > 3000:
        raise OutputRejected("narrative: a text of at most 3000 characters is required")
    if not isinstance(recs, list) or not 1 <= len(recs) <= 8:
        raise OutputRejected("recommendations: 1 to 8 texts are required")
    for text in [narrative, *recs]:
        if not isinstance(text, str) or not text.strip() or len(text) > 600:
            raise OutputRejected("recommendations: non-empty texts of at most 600 characters")
        invented = unsupported_figures(text, allowed)
        if invented:
            raise OutputRejected(f"figures not in the data: {invented[:5]}")
    return {"narrative": narrative.strip(), "recommendations": [r.strip() for r in recs]}


def executive_summary_get(
    *,
    school_ids: list[UUID] | None,
    school_name: str | None,
    date_from: date | None,
    date_to: date | None,
    language: str = "es",
) -> tuple[dict, str]:
    """KPIs + narrative + recommendations for the schools in scope: (answer, source)."""
    today = local_today()
    facts = executive_facts_get(school_ids=school_ids, date_from=date_from, date_to=date_to, today=today)
    count = facts["totals"]["schools"]
    where = school_name or es_en(language, f"Tus escuelas ({count})", f"Your schools ({count})")
    span = _span(date_from, date_to, language)
    rules = executive_summary_rules(facts=facts, where=where, span=span, language=language)

    def with_openai(session: LLMSession) -> dict:
        prompt = {
            "scope": where,
            "period": {"from": date_from, "to": date_to},
            "today": today,
            "totals": facts["totals"],
            "schools": facts["schools"],
            "top_debtors": [
                {k: d[k] for k in ("student_name", "school_name", "pending", "overdue")}
                for d in facts["top_debtors"]
            ],
            "shares_percent": facts["shares"],
            "aging_buckets_days": [label for label, _, _ in AGING_BUCKETS],
        }
        allowed = allowed_figures(prompt)
        return session.json_answer(
            messages=[
                {"role": "system", "content": es_en(
                    language,
                    "Eres director financiero de un grupo escolar. Con los KPI dados escribe en español una "
                    "narrativa ejecutiva breve (3 a 5 frases) y de 2 a 5 recomendaciones concretas. Usa las "
                    "cifras exactamente como aparecen (montos con dos decimales); no calcules ni inventes "
                    "otras cifras, fechas ni porcentajes.",
                    "You are the finance director of a school group. From the KPIs given write in English a "
                    "short executive narrative (3 to 5 sentences) and 2 to 5 concrete recommendations. Quote "
                    "figures exactly as they appear (amounts with two decimals); never compute or invent "
                    "other figures, dates or percentages.",
                )},
                {"role": "user", "content": json_dumps(prompt)},
            ],
            schema_name="executive_summary",
            schema=_SCHEMA,
            validate=lambda data: _validate(data, allowed=allowed),
        )

    narrative, source = answer_with_fallback(
        operation="executive_summary", openai_answer=with_openai, rules_answer=lambda: rules
    )
    return {
        "period": {"from": date_from, "to": date_to},
        "kpis": facts["totals"],
        "schools": facts["schools"],
        "top_debtors": facts["top_debtors"],
        **narrative,
        "language": language,
    }, source
