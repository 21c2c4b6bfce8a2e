"""Which recargos an overdue invoice has earned by a day. Pure functions; the run charges them.

Lateness is judged by `as_of` against the due date (not by the stored status). Tiers count days
from the due date; none is charged within the grace days. A tier is charged once: a tier already
charged or waived keeps its slot. A percent tier is a whole-number percent of the original
invoice's amount (never of its surcharges: recargos do not compound), rounded once, half-up. The
surcharges of one invoice never add up to more than the policy's cap; the tier that reaches it is
charged only what is left, and later ones nothing.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import ZERO, to_money
from fees.pricing import percent_of


@dataclass(frozen=True)
class Tier:
    index: int
    from_day: int
    amount: Decimal | None = None
    percent: int | None = None


def tiers_from_json(tiers: Iterable[dict]) -> list[Tier]:
    """The policy's stored tiers, in order of the day they start (their index is their slot)."""
    ordered = sorted(tiers, key=lambda tier: int(tier["from_day"]))
    return [
        Tier(
            index=index, from_day=int(tier["from_day"]),
            amount=to_money(str(tier["amount"])) if tier.get("amount") is not None else None,
            percent=int(tier["percent"]) if tier.get("percent") is not None else None,
        )
        for index, tier in enumerate(ordered)
    ]


def surcharges_due(
    *, invoice_amount: Decimal, due_date: date, as_of: date, grace_days: int, tiers: Sequence[Tier],
    cap: Decimal | None, taken_slots: Iterable[int] = (), charged_total: Decimal = ZERO,
) -> list[tuple[int, Decimal]]:
    """(tier index, amount) for each tier reached by `as_of` and not yet charged or waived.

    `taken_slots`: tiers already charged or waived for this invoice; `charged_total`: what its
    live (not waived) surcharges add up to, which counts against the cap.
    """
    days_late = (as_of - due_date).days
    if days_late <= grace_days:
        return []
    taken = set(taken_slots)
    room = None if cap is None else cap - charged_total
    due = []
    for tier in tiers:
        if tier.from_day > days_late or tier.index in taken:
            continue
        amount = tier.amount if tier.amount is not None else percent_of(invoice_amount, tier.percent)
        if room is not None:
            amount = min(amount, room)
            room -= amount
        if amount <= ZERO:
            break
        due.append((tier.index, amount))
    return due
