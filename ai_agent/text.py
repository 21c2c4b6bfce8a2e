"""Formatting of money and dates for people, and the check that a text invents no figure.

A model's text may only contain figures we gave it: `unsupported_figures(text, allowed)` lists
every number in the text that is not one of the amounts, dates (year, month, day), counts or
percentages we supplied, so the caller can reject the answer and fall back to the rules.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from uuid import UUID

from core.money import to_money

LANGUAGES = ("es", "en")


def es_en(language: str, es: str, en: str) -> str:
    """The text in the answer's language: English when asked for, Spanish (the schools') otherwise."""
    return en if language == "en" else es

_MONTHS = {
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}


def money(amount: Decimal) -> str:
    """$1,234.50: two decimals always, comma thousands (the Mexican and US convention)."""
    return f"${to_money(amount):,.2f}"


def date_long(day: date, language: str) -> str:
    month = _MONTHS[language][day.month - 1]
    if language == "en":
        return f"{month} {day.day}, {day.year}"
    return f"{day.day} de {month} de {day.year}"


def date_short(day: date, language: str) -> str:
    if language == "en":
        return f"{day.month:02d}/{day.day:02d}/{day.year:04d}"
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


# A number as people write it: 1500, 1,500.00, 1.500,00, 78.5, 03.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")


def _to_decimal(token: str) -> Decimal | None:
    if _THOUSANDS_COMMA.match(token):
        token = token.replace(",", "")
    elif _THOUSANDS_DOT.match(token):
        token = token.replace(".", "").replace(",", ".")
    else:
        token = token.replace(",", ".")
    try:
        return Decimal(token)
    except InvalidOperation:
        return None


def figures_in(text: str) -> list[tuple[str, Decimal | None]]:
    return [(m.group(0), _to_decimal(m.group(0))) for m in _NUMBER.finditer(text or "")]


def allowed_figures(*values) -> set[Decimal]:
    """Every number a text about `values` may quote: amounts, counts, dates' parts, numbers in strings."""
    allowed: set[Decimal] = set()

    def walk(value):
        if value is None or isinstance(value, bool | UUID):
            return
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            allowed.update(Decimal(part) for part in (value.year, value.month, value.day))
        elif isinstance(value, Decimal | int):
            allowed.add(Decimal(value))
        elif isinstance(value, float):
            allowed.add(Decimal(str(value)))
        elif isinstance(value, str):
            allowed.update(d for _, d in figures_in(value) if d is not None)
        elif is_dataclass(value):
            walk(asdict(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, Iterable):
            items = list(value)
            allowed.add(Decimal(len(items)))
            for item in items:
                walk(item)

    for value in values:
        walk(value)
    return allowed


def unsupported_figures(text: str, allowed: set[Decimal]) -> list[str]:
    return [token for token, number in figures_in(text) if number is None or number not in allowed]


def json_dumps(data) -> str:
    """Facts for a prompt: dates and Decimals as strings, accents kept."""
    return json.dumps(data, default=str, ensure_ascii=False)
