"""Money is Decimal with two places, end to end. A float never touches an amount.

One rounding mode, ROUND_HALF_UP (ties away from zero, as PostgreSQL's ROUND on numeric and as
people round cents), applied only at the named boundaries below:

- `to_money`: an amount that comes in (API, admin, commands): refuses floats;
- `to_cents`: an amount read back from the database or computed (a sum, a quotient);
- `rate_percent`: a share as a percentage with RATE_PLACES decimals (collection rate, overdue
  share, percentage change). One precision for every rate in the API, the dashboard and the AI.

Anything else that rounds money or a percentage goes through one of these.
"""

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from django.db import models

MONEY_MAX_DIGITS = 12
MONEY_DECIMAL_PLACES = 2
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999.99")

ROUNDING = ROUND_HALF_UP
# Rates and percentages: two decimals (78.45), as reports_school_summary.collection_rate stores.
RATE_PLACES = 2
RATE_QUANTUM = Decimal(1).scaleb(-RATE_PLACES)
HUNDRED = Decimal(100)

# SQLite sums NUMERIC columns as floats: read them back as the ORM does (15 significant digits)
# before rounding, so figures are the same Decimals on both databases.
_FLOAT_AS_DECIMAL = Context(prec=15).create_decimal_from_float


class MoneyField(models.DecimalField):
    """NUMERIC(12,2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize to cents, half up. Refuses floats: they cannot represent cents exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or str")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUNDING)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None


def to_cents(value: Decimal | int | float | str | None) -> Decimal:
    """An amount read from the database or computed, to cents half up; None (an empty sum) is 0.00.

    Unlike `to_money` it takes a float: raw SQL sums on SQLite come back as floats, and are read
    with 15 significant digits, as Django's own converter does.
    """
    if value is None:
        return ZERO
    if isinstance(value, float):
        value = _FLOAT_AS_DECIMAL(value)
    return Decimal(value).quantize(CENT, rounding=ROUNDING)


def rate_percent(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    """`part` as a percentage of `whole`, RATE_PLACES decimals, half up; None when whole is 0 or None.

    The collection rate (billing.rules.collection_rate), shares and percentages all come through
    here, so a figure reads the same on the dashboard, in the reports and in the AI's answers.
    """
    if not whole:
        return None
    return (Decimal(part or 0) * HUNDRED / Decimal(whole)).quantize(RATE_QUANTUM, rounding=ROUNDING)


def change_percent(current: Decimal | int, previous: Decimal | int | None) -> Decimal | None:
    """Percentage change from `previous` to `current` (RATE_PLACES, half up); None without a base."""
    if not previous:
        return None
    return rate_percent(Decimal(current) - Decimal(previous), previous)
