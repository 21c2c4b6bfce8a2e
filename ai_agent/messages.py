"""Collection messages (EMAIL, SMS, WHATSAPP) in three tones, from figures we were given.

Every amount and date in a message is one of the facts (the request's figures, or the student's
real open invoices); money always has two decimals. An SMS is at most 160 characters: the rules
shorten the optional parts to fit, and an OpenAI text that is longer, quotes a figure we did not
supply, or leaves out the amount owed is rejected in favour of the rules' text.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ai_agent.llm import LLMSession, OutputRejected, answer_with_fallback
from ai_agent.schema import strict_object
from ai_agent.selectors import OpenInvoice
from ai_agent.text import (
    allowed_figures,
    date_long,
    date_short,
    es_en,
    json_dumps,
    money,
    unsupported_figures,
)

CHANNELS = ("EMAIL", "SMS", "WHATSAPP")
TONES = ("friendly", "firm", "final")
SMS_MAX_CHARS = 160
MAX_BODY_CHARS = {"EMAIL": 3000, "SMS": SMS_MAX_CHARS, "WHATSAPP": 1000}
MAX_SUBJECT_CHARS = 150
EMAIL_MAX_INVOICE_LINES = 12


@dataclass(frozen=True)
class CollectionFacts:
    """What a message may say. `invoices` is empty for a message built from free input."""

    student_name: str
    amount: Decimal
    due_date: date
    today: date
    school_name: str = ""
    invoices: list[OpenInvoice] = field(default_factory=list)
    # The part of `amount` already past due; None: all of it once `due_date` has passed.
    overdue_amount: Decimal | None = None

    @property
    def overdue(self) -> bool:
        return self.due_date < self.today

    @property
    def overdue_part(self) -> Decimal:
        if self.overdue_amount is not None:
            return self.overdue_amount
        return self.amount if self.overdue else Decimal("0.00")

    @property
    def partly_overdue(self) -> bool:
        return Decimal("0.00") < self.overdue_part < self.amount

    @property
    def days_overdue(self) -> int:
        return max((self.today - self.due_date).days, 0)


def default_tone(facts: CollectionFacts) -> str:
    """Friendly before the due date, firm after it; `final` is only ever chosen by a person."""
    return "firm" if facts.overdue else "friendly"


# --- Rules ----------------------------------------------------------------------------------


def _state_sentence(facts: CollectionFacts, language: str) -> str:
    amount, day = money(facts.amount), date_long(facts.due_date, language)
    school = facts.school_name
    if facts.partly_overdue:
        part = money(facts.overdue_part)
        return es_en(
            language,
            f"Le informamos que {facts.student_name} tiene un saldo de {amount}"
            + (f" con {school}" if school else "")
            + f", del cual {part} está vencido desde el {day} ({facts.days_overdue} días de atraso).",
            f"Please note that {facts.student_name} has a balance of {amount}"
            + (f" with {school}" if school else "")
            + f", of which {part} has been overdue since {day} ({facts.days_overdue} days).",
        )
    if facts.overdue:
        return es_en(
            language,
            f"Le informamos que el saldo de {amount}" + (f" con {school}" if school else "")
            + f" a nombre de {facts.student_name} venció el {day} ({facts.days_overdue} días de atraso).",
            f"Please note that the balance of {amount}" + (f" with {school}" if school else "")
            + f" for {facts.student_name} was due on {day} ({facts.days_overdue} days ago).",
        )
    return es_en(
        language,
        f"Le recordamos que el saldo de {amount}" + (f" con {school}" if school else "")
        + f" a nombre de {facts.student_name} vence el {day}.",
        f"This is a reminder that the balance of {amount}" + (f" with {school}" if school else "")
        + f" for {facts.student_name} is due on {day}.",
    )


_TONE_PARAGRAPH = {
    "friendly": (
        "Si ya realizó el pago, por favor ignore este mensaje. Con gusto resolvemos cualquier duda.",
        "If you have already paid, please disregard this message. We are happy to answer any question.",
    ),
    "firm": (
        "Le solicitamos regularizar este saldo a la brevedad. Si necesita acordar un plan de pagos, "
        "comuníquese con la administración.",
        "Please settle this balance as soon as possible. If you need a payment plan, contact the "
        "billing office.",
    ),
    "final": (
        "Este es un aviso final. Si no recibimos el pago o noticias suyas, el caso pasará a revisión "
        "de la dirección.",
        "This is a final notice. If we do not receive the payment or hear from you, the case will be "
        "referred to the school's management.",
    ),
}

_SMS_TONE = {
    "friendly": ("Si ya pagó, ignore este mensaje.", "If already paid, please ignore."),
    "firm": ("Favor de pagar a la brevedad.", "Please pay as soon as possible."),
    "final": ("AVISO FINAL: pague o contáctenos hoy.", "FINAL NOTICE: pay or contact us today."),
}


def _invoice_lines(facts: CollectionFacts, language: str) -> list[str]:
    lines = []
    for invoice in facts.invoices[:EMAIL_MAX_INVOICE_LINES]:
        label = f"{invoice.number} {invoice.description}".strip()
        lines.append(es_en(
            language,
            f"- {label}: {money(invoice.pending)} (vencimiento {date_short(invoice.due_date, language)})",
            f"- {label}: {money(invoice.pending)} (due date {date_short(invoice.due_date, language)})",
        ))
    hidden = len(facts.invoices) - EMAIL_MAX_INVOICE_LINES
    if hidden > 0:
        lines.append(es_en(language, f"- y {hidden} factura(s) más", f"- and {hidden} more invoice(s)"))
    return lines


def _email(facts: CollectionFacts, tone: str, language: str) -> tuple[str, str]:
    prefix = f"{facts.school_name}: " if facts.school_name else ""
    subject = {
        "friendly": es_en(language, "Recordatorio de pago", "Payment reminder"),
        "firm": es_en(language, "Saldo pendiente de pago", "Outstanding balance"),
        "final": es_en(language, "Aviso final de pago", "Final payment notice"),
    }[tone]
    subject = f"{prefix}{subject} - {facts.student_name}"[:MAX_SUBJECT_CHARS]
    parts = [
        es_en(language, f"Estimada familia de {facts.student_name}:",
              f"Dear family of {facts.student_name},"),
        _state_sentence(facts, language),
    ]
    lines = _invoice_lines(facts, language)
    if lines:
        parts.append(es_en(language, "Detalle:", "Details:") + "\n" + "\n".join(lines))
    parts.append(_TONE_PARAGRAPH[tone][language == "en"])
    parts.append(
        es_en(language, "Atentamente,", "Kind regards,") + "\n"
        + (facts.school_name or es_en(language, "Administración escolar", "School billing office"))
    )
    return subject, "\n\n".join(parts)


def _whatsapp(facts: CollectionFacts, tone: str, language: str) -> str:
    greeting = es_en(language, "Hola", "Hello")
    if facts.school_name:
        greeting += es_en(language, f", le escribe {facts.school_name}.", f", this is {facts.school_name}.")
    else:
        greeting += "."
    amount = f"*{money(facts.amount)}*"
    day = date_short(facts.due_date, language)
    if facts.partly_overdue:
        part = money(facts.overdue_part)
        state = es_en(
            language,
            f"El saldo de {facts.student_name} es de {amount}; {part} están vencidos desde el {day}.",
            f"{facts.student_name}'s balance is {amount}; {part} has been overdue since {day}.",
        )
    elif facts.overdue:
        state = es_en(
            language,
            f"El saldo de {facts.student_name} por {amount} venció el {day}.",
            f"{facts.student_name}'s balance of {amount} was due on {day}.",
        )
    else:
        state = es_en(
            language,
            f"El saldo de {facts.student_name} por {amount} vence el {day}.",
            f"{facts.student_name}'s balance of {amount} is due on {day}.",
        )
    return "\n\n".join([greeting, state, _TONE_PARAGRAPH[tone][language == "en"]])


def _sms(facts: CollectionFacts, tone: str, language: str) -> str:
    """At most 160 characters: drop the school, then shorten the name; amount, date and tone stay."""
    amount, day = money(facts.amount), date_short(facts.due_date, language)

    def compose(name: str, school: str, courtesy: str) -> str:
        if facts.partly_overdue:
            part = money(facts.overdue_part)
            core = es_en(language, f"saldo de {name}: {amount}, {part} vencido desde el {day}.",
                         f"{name}'s balance: {amount}, {part} overdue since {day}.")
        elif facts.overdue:
            core = es_en(language, f"saldo de {name}: {amount}, vencido el {day}.",
                         f"{name}'s balance of {amount} was due {day}.")
        else:
            core = es_en(language, f"saldo de {name}: {amount}, vence el {day}.",
                         f"{name}'s balance of {amount} is due {day}.")
        if language != "en":
            core = core[0].upper() + core[1:]
        text = f"{school}: {core}" if school else core
        return f"{text} {courtesy}".strip()

    courtesy = _SMS_TONE[tone][language == "en"]
    name = facts.student_name
    for school in (facts.school_name, ""):
        text = compose(name, school, courtesy)
        if len(text) <= SMS_MAX_CHARS:
            return text
    # A very long name: keep the amount, the date and the tone; cut the name to what fits.
    spare = SMS_MAX_CHARS - len(compose("", "", courtesy))
    short_name = name[: max(spare - 1, 0)].rstrip() + "…" if spare > 1 else ""
    text = compose(short_name, "", courtesy)
    return text if len(text) <= SMS_MAX_CHARS else compose(short_name, "", "")[:SMS_MAX_CHARS]


def collection_message_rules(*, facts: CollectionFacts, channel: str, tone: str, language: str) -> dict:
    if channel == "EMAIL":
        subject, body = _email(facts, tone, language)
    elif channel == "SMS":
        subject, body = None, _sms(facts, tone, language)
    else:
        subject, body = None, _whatsapp(facts, tone, language)
    return {"subject": subject, "body": body}


# --- OpenAI ---------------------------------------------------------------------------------

_MESSAGE_SCHEMA = strict_object({"subject": {"type": "string"}, "body": {"type": "string"}})


def _validate_message(data: dict, *, facts: CollectionFacts, channel: str, allowed) -> dict:
    subject, body = data.get("subject"), data.get("body")
    if not isinstance(body, str) or not body.strip():
        raise OutputRejected("body: a text is required")
    body = body.strip()
    if len(body) > MAX_BODY_CHARS[channel]:
        raise OutputRejected(f"body: {len(body)} characters, at most {MAX_BODY_CHARS[channel]} allowed")
    if channel == "EMAIL":
        if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_SUBJECT_CHARS:
            raise OutputRejected("subject: an email needs a subject of at most 150 characters")
        subject = subject.strip()
    else:
        subject = None
    invented = unsupported_figures(f"{subject or ''}\n{body}", allowed)
    if invented:
        raise OutputRejected(f"figures not in the data: {invented[:5]}")
    plain = f"{facts.amount:.2f}"
    if money(facts.amount)[1:] not in body and plain not in body:
        raise OutputRejected("body: the amount owed is missing")
    return {"subject": subject, "body": body}


def collection_message_build(
    *, facts: CollectionFacts, channel: str, tone: str, language: str
) -> tuple[dict, str]:
    """The message as {"subject", "body"} and its source. Facts are gathered before any call."""
    rules = collection_message_rules(facts=facts, channel=channel, tone=tone, language=language)

    def with_openai(session: LLMSession) -> dict:
        prompt_facts = {
            "channel": channel,
            "tone": tone,
            "student_name": facts.student_name,
            "school_name": facts.school_name or None,
            "amount_owed": money(facts.amount),
            "due_date": facts.due_date.isoformat(),
            "due_date_written": date_long(facts.due_date, language),
            "is_overdue": facts.overdue,
            "overdue_part_of_amount": money(facts.overdue_part),
            "days_overdue": facts.days_overdue if facts.overdue else None,
            "invoices": [
                {
                    "number": invoice.number,
                    "description": invoice.description,
                    "pending": money(invoice.pending),
                    "due_date": invoice.due_date.isoformat(),
                }
                for invoice in facts.invoices[:EMAIL_MAX_INVOICE_LINES]
            ],
        }
        allowed = allowed_figures(
            facts.amount, facts.overdue_part, facts.due_date, facts.days_overdue,
            facts.student_name, facts.school_name,
            [(i.number, i.description, i.pending, i.due_date) for i in facts.invoices],
            SMS_MAX_CHARS if channel == "SMS" else None,
        )
        limits = {
            "EMAIL": es_en(language, "un asunto y un cuerpo", "a subject and a body"),
            "SMS": es_en(language, "asunto vacío y un cuerpo de 160 caracteres como máximo",
                         "an empty subject and a body of at most 160 characters"),
            "WHATSAPP": es_en(language, "asunto vacío y un cuerpo breve",
                              "an empty subject and a short body"),
        }[channel]
        return session.json_answer(
            messages=[
                {"role": "system", "content": es_en(
                    language,
                    "Redactas mensajes de cobranza de una escuela para las familias, en español, con el tono "
                    f"indicado (friendly: cordial, firm: firme, final: aviso final). Devuelve {limits}. "
                    "Incluye el monto adeudado exactamente como aparece en los datos. Usa solo cifras y "
                    "fechas de los datos; no inventes montos, fechas, plazos, recargos ni teléfonos.",
                    "You write a school's collection messages to families, in English, in the given tone "
                    f"(friendly, firm, or final notice). Return {limits}. Include the amount owed exactly as "
                    "it appears in the data. Use only figures and dates from the data; never invent "
                    "amounts, dates, deadlines, fees or phone numbers.",
                )},
                {"role": "user", "content": json_dumps(prompt_facts)},
            ],
            schema_name="collection_message",
            schema=_MESSAGE_SCHEMA,
            validate=lambda data: _validate_message(data, facts=facts, channel=channel, allowed=allowed),
        )

    return answer_with_fallback(
        operation="collection_message", openai_answer=with_openai, rules_answer=lambda: rules
    )
