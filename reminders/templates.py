"""The built-in reminder texts (Spanish and English) and the placeholders every text may use.

A school's policy may replace the subject and body of any step; its texts use the same
placeholders, written `{name}`. Every message must carry the payment reference and the balance,
so a text without `{reference}` and `{balance}` is refused.
"""

from __future__ import annotations

import string

PLACEHOLDERS = {
    "family_name": "the payer's name",
    "school_name": "the school's name",
    "school_phone": "the school's phone",
    "school_email": "the school's email",
    "reference": "the family's payment reference (write it in the transfer's concept)",
    "balance": "everything the family owes that has reached a reminder step, e.g. $6,900.00",
    "amount_due": "what the invoices of this reminder still owe",
    "due_date": "the earliest due date of those invoices, written out",
    "days": "days before (negative steps) or after the due date",
    "invoices": "one line per invoice: number, description, pending, due date",
    "students": "the children the invoices are for",
    "unpaid_colegiaturas": "unpaid, overdue colegiaturas (suspension notices)",
    "suspension_date": "the date the service may be suspended (suspension notices)",
}
REQUIRED = ("reference", "balance")

_ES_CLOSING = (
    "\n\nSi ya realizó el pago, le agradecemos y le pedimos ignorar este mensaje. Para cualquier duda o "
    "para acordar un plan de pagos, comuníquese con la administración{contact}.\n\n{school_name}"
)
_EN_CLOSING = (
    "\n\nIf you have already paid, thank you, and please disregard this message. For any question, or to "
    "agree on a payment plan, please contact the school office{contact}.\n\n{school_name}"
)
_ES_PAY = (
    "\n\nSaldo total: {balance}.\nReferencia de pago: {reference} (escríbala en el concepto de su "
    "transferencia)."
)
_EN_PAY = (
    "\n\nTotal balance: {balance}.\nPayment reference: {reference} (write it in your transfer's "
    "concept)."
)

EMAIL = {
    "es": {
        "before": (
            "Recordatorio: pago próximo a vencer – {school_name}",
            "Estimada familia {family_name}:\n\nLe recordamos que el {due_date} vence el pago de "
            "{amount_due}:\n{invoices}" + _ES_PAY + _ES_CLOSING,
        ),
        "due": (
            "Hoy vence su pago – {school_name}",
            "Estimada familia {family_name}:\n\nLe recordamos que hoy, {due_date}, vence el pago de "
            "{amount_due}:\n{invoices}" + _ES_PAY + _ES_CLOSING,
        ),
        "after": (
            "Saldo vencido – {school_name}",
            "Estimada familia {family_name}:\n\nNuestros registros muestran un saldo vencido de {amount_due} "
            "desde el {due_date} ({days} días):\n{invoices}" + _ES_PAY + _ES_CLOSING,
        ),
        "suspension": (
            "Aviso de posible suspensión del servicio educativo – {school_name}",
            "Estimada familia {family_name}:\n\nSu cuenta tiene {unpaid_colegiaturas} colegiaturas vencidas "
            "sin pagar:\n{invoices}" + _ES_PAY + "\n\nConforme al contrato de prestación de servicios, "
            "le avisamos con anticipación que, de no regularizar su saldo o acordar un plan de pagos antes "
            "del {suspension_date}, el servicio educativo podrá suspenderse a partir de esa fecha."
            + _ES_CLOSING,
        ),
    },
    "en": {
        "before": (
            "Reminder: payment due soon – {school_name}",
            "Dear {family_name} family,\n\nThis is a reminder that a payment of {amount_due} is due on "
            "{due_date}:\n{invoices}" + _EN_PAY + _EN_CLOSING,
        ),
        "due": (
            "Your payment is due today – {school_name}",
            "Dear {family_name} family,\n\nThis is a reminder that a payment of {amount_due} is due today, "
            "{due_date}:\n{invoices}" + _EN_PAY + _EN_CLOSING,
        ),
        "after": (
            "Overdue balance – {school_name}",
            "Dear {family_name} family,\n\nOur records show an overdue balance of {amount_due} since "
            "{due_date} ({days} days):\n{invoices}" + _EN_PAY + _EN_CLOSING,
        ),
        "suspension": (
            "Notice of possible suspension of the educational service – {school_name}",
            "Dear {family_name} family,\n\nYour account has {unpaid_colegiaturas} unpaid, overdue monthly "
            "tuition payments:\n{invoices}" + _EN_PAY + "\n\nUnder the service agreement, we are giving you "
            "advance notice that unless the balance is settled, or a payment plan agreed, before "
            "{suspension_date}, the educational service may be suspended from that date." + _EN_CLOSING,
        ),
    },
}

# SMS: one short line (160 characters with a typical name); WhatsApp: a few lines.
TEXT = {
    "es": {
        "before": "{school_name}: el {due_date} vence su pago de {amount_due}. Saldo {balance}. "
                  "Ref. {reference}.",
        "due": "{school_name}: hoy vence su pago de {amount_due}. Saldo {balance}. Ref. {reference}.",
        "after": "{school_name}: saldo vencido {balance} desde el {due_date}. Ref. de pago {reference}. "
                 "Si ya pagó, ignore este mensaje.",
        "suspension": "{school_name}: {unpaid_colegiaturas} colegiaturas vencidas, saldo {balance}. "
                      "El servicio podrá suspenderse el {suspension_date} si no se regulariza. "
                      "Ref. {reference}.",
    },
    "en": {
        "before": "{school_name}: your payment of {amount_due} is due on {due_date}. Balance {balance}. "
                  "Ref. {reference}.",
        "due": "{school_name}: your payment of {amount_due} is due today. Balance {balance}. "
               "Ref. {reference}.",
        "after": "{school_name}: overdue balance {balance} since {due_date}. Payment ref. {reference}. "
                 "If you have paid, please ignore this.",
        "suspension": "{school_name}: {unpaid_colegiaturas} unpaid tuition payments, balance {balance}. "
                      "Service may be suspended on {suspension_date} unless settled. Ref. {reference}.",
    },
}


def timing(offset_days: int, *, suspension: bool) -> str:
    if suspension:
        return "suspension"
    if offset_days < 0:
        return "before"
    return "due" if offset_days == 0 else "after"


def default_texts(*, channel: str, language: str, offset_days: int, suspension: bool) -> tuple[str, str]:
    """(subject, body) of the built-in template; the subject is empty for SMS and WhatsApp."""
    key = timing(offset_days, suspension=suspension)
    if channel == "EMAIL":
        return EMAIL[language][key]
    return "", TEXT[language][key]


def placeholders_in(text: str) -> set[str]:
    """The `{names}` a text uses; ValueError for a malformed one (`{`, `{0}`, `{a.b}`)."""
    names = set()
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:  # a lone "{" or "}"
        raise ValueError(f"malformed placeholder ({exc}); write {{{{ and }}}} for braces") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"malformed placeholder {{{name}}}")
        names.add(name)
    return names


def render(text: str, values: dict) -> str:
    return text.format_map(values)
