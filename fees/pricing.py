"""What a student owes for one period: the invoice lines, their discounts and the pronto-pago offer.

Pure functions over plain values (no database), so the rules can be tested case by case and the
billing run can price a whole school in memory. The rules (DESIGN-CYCLE.md):

- A percent is a whole number (`25` is 25 %) taken on the charge lines a discount covers (those of
  its concept kinds), rounded once, half-up: 1,333.30 at 25 % is −333.33. When a discount covers
  several lines, its amount is split over them in proportion, and the leftover cent goes to the
  last line, so the lines always add up to the invoice's amount.
- Stacking, a setting of the school year: SUM_CAPPED adds the discounts up (each on the lines'
  full amounts), but all of them together take off at most `cap_percent` of the lines they cover;
  BEST applies only the one discount worth most. No discount takes a line below zero.
- A concept whose lines come to zero (a 100 % beca) is not invoiced at all; a period with nothing
  left issues no invoice.
- Pronto pago (EARLY_PAYMENT) is no line: it is an offer (`early_payment_amount` if paid by
  `early_payment_until`) on what is left after the other discounts. A beca excludes it when the
  school year says so; with BEST it is offered only when no other discount applied; with
  SUM_CAPPED it counts against the cap.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.money import CENT, ZERO, to_money
from fees.calendar import Period, next_business_day

HUNDRED = Decimal(100)

# Order in which SUM_CAPPED applies discounts (what is left under the cap goes to the first ones)
# and BEST breaks ties.
_KIND_ORDER = {"SCHOLARSHIP": 0, "SIBLING": 1, "OTHER": 2, "EARLY_PAYMENT": 3}


@dataclass(frozen=True)
class Charge:
    """One plan item due in the period."""

    key: object  # the plan item's id
    concept_kind: str
    description: str
    amount: Decimal
    due_date: date


@dataclass(frozen=True)
class DiscountTerm:
    key: object  # the discount's id
    kind: str
    concept_kinds: frozenset[str]
    description: str = ""
    percent: int | None = None
    amount: Decimal | None = None
    early_payment_day: int | None = None


@dataclass(frozen=True)
class StackingRule:
    stacking: str = "SUM_CAPPED"
    cap_percent: int = 100
    scholarship_excludes_early_payment: bool = True


@dataclass(frozen=True)
class Line:
    concept_kind: str
    description: str
    amount: Decimal  # negative for a discount line
    item_key: object  # the plan item the line charges or discounts
    discount_key: object = None  # set on discount lines


@dataclass
class PricedInvoice:
    lines: list[Line]
    due_date: date
    early_payment_until: date | None = None
    early_payment_amount: Decimal | None = None
    discounts_applied: list[object] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def percent_of(base: Decimal, percent: int) -> Decimal:
    """`percent` % of `base`, rounded once, half-up, to cents."""
    return to_money(base * Decimal(percent) / HUNDRED)


def split_in_proportion(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` over parts in proportion to `weights`; each part rounds half-up and the last
    takes the leftover cent(s), so the parts add up to `total` exactly."""
    weight_sum = sum(weights, ZERO)
    if not weights or weight_sum <= ZERO:
        raise ValueError("nothing to split over")
    parts = [to_money(total * weight / weight_sum) for weight in weights[:-1]]
    parts.append(total - sum(parts, ZERO))
    return parts


def _discount_value(term: DiscountTerm, base: Decimal) -> Decimal:
    if term.percent is not None:
        return percent_of(base, term.percent)
    return min(to_money(term.amount), base)


def _allocate(value: Decimal, covered: list[Charge], room: dict) -> list[Decimal]:
    """Split a discount over the lines it covers, in proportion to their amounts, never taking a
    line below zero (a share that would is moved, cent by cent, to lines with room)."""
    shares = split_in_proportion(value, [charge.amount for charge in covered])
    excess = ZERO
    for index, charge in enumerate(covered):
        if shares[index] > room[charge.key]:
            excess += shares[index] - room[charge.key]
            shares[index] = room[charge.key]
    for index, charge in enumerate(covered):
        if excess <= ZERO:
            break
        moved = min(excess, room[charge.key] - shares[index])
        shares[index] += moved
        excess -= moved
    if excess > ZERO:  # value was capped by the room left, so this cannot happen
        raise AssertionError("discount larger than the lines it covers")
    return shares


def price_period(
    *, charges: Sequence[Charge], discounts: Sequence[DiscountTerm], rule: StackingRule
) -> PricedInvoice | None:
    """The invoice a student gets for `period`, or None when nothing is owed."""
    charges = [charge for charge in charges if charge.amount > ZERO]
    if not charges:
        return None
    ordered = sorted(discounts, key=lambda term: (_KIND_ORDER.get(term.kind, 9), str(term.key)))
    regular = [term for term in ordered if term.kind != "EARLY_PAYMENT"]
    early = [term for term in ordered if term.kind == "EARLY_PAYMENT"]

    def covered_by(term: DiscountTerm) -> list[Charge]:
        return [charge for charge in charges if charge.concept_kind in term.concept_kinds]

    room = {charge.key: charge.amount for charge in charges}
    if rule.stacking == "BEST":
        best, best_value = None, ZERO
        for term in regular:
            covered = covered_by(term)
            value = _discount_value(term, sum((c.amount for c in covered), ZERO)) if covered else ZERO
            if value > best_value:
                best, best_value = term, value
        chosen = [best] if best is not None else []
        cap_left = None
    else:
        chosen = [term for term in regular if covered_by(term)]
        covering = [*chosen, *early]
        union = [charge for charge in charges if any(charge in covered_by(term) for term in covering)]
        cap_left = percent_of(sum((c.amount for c in union), ZERO), rule.cap_percent)

    discount_lines: list[Line] = []
    applied: list[DiscountTerm] = []
    for term in chosen:
        covered = [charge for charge in covered_by(term) if room[charge.key] > ZERO]
        if not covered:
            continue
        value = _discount_value(term, sum((c.amount for c in covered), ZERO))
        value = min(value, sum((room[c.key] for c in covered), ZERO))
        if cap_left is not None:
            value = min(value, cap_left)
        if value <= ZERO:
            continue
        for charge, share in zip(covered, _allocate(value, covered, room), strict=True):
            if share > ZERO:
                room[charge.key] -= share
                description = _discount_description(term, charge)
                discount_lines.append(Line(charge.concept_kind, description, -share, charge.key, term.key))
        if cap_left is not None:
            cap_left -= value
        applied.append(term)

    # A concept brought to zero (a 100 % beca) is not invoiced: neither its charge nor its discount.
    zero_kinds = {
        kind for kind in {c.concept_kind for c in charges}
        if sum((room[c.key] for c in charges if c.concept_kind == kind), ZERO) == ZERO
    }
    charges = [charge for charge in charges if charge.concept_kind not in zero_kinds]
    if not charges:
        return None
    discount_lines = [line for line in discount_lines if line.concept_kind not in zero_kinds]
    lines = [Line(c.concept_kind, c.description, c.amount, c.key) for c in charges] + discount_lines
    priced = PricedInvoice(
        lines=lines, due_date=min(charge.due_date for charge in charges),
        discounts_applied=[term.key for term in applied],
    )

    has_scholarship = any(term.kind == "SCHOLARSHIP" for term in applied)
    offer_early = early and not (has_scholarship and rule.scholarship_excludes_early_payment)
    if rule.stacking == "BEST" and applied:
        offer_early = False
    if offer_early:
        term = early[0]
        covered = [charge for charge in charges if charge.concept_kind in term.concept_kinds]
        left = sum((room[c.key] for c in covered), ZERO)
        value = _discount_value(term, left) if left > ZERO else ZERO
        if cap_left is not None:
            value = min(value, cap_left)
        if value > ZERO and value < priced.amount:
            due_period = Period.of(priced.due_date)
            priced.early_payment_until = min(due_period.day(term.early_payment_day), priced.due_date)
            priced.early_payment_amount = priced.amount - value
            priced.discounts_applied.append(term.key)
    return priced


def _discount_description(term: DiscountTerm, charge: Charge) -> str:
    label = term.description or term.kind.replace("_", " ").capitalize()
    off = f"{term.percent} %" if term.percent is not None else ""
    return " ".join(part for part in [label, off, f"({charge.description})"] if part)[:255]


def charges_due(
    *, items, period: Period, year_starts_on: date, year_ends_on: date, billed_from: date,
    holidays: frozenset[date] = frozenset(),
) -> list[Charge]:
    """The plan items due in `period`, as charges with their due dates.

    `items` are FeePlanItem-like (schedule, amount, concept_kind, description, due_date, months,
    due_day, pk). A MONTHLY item is due in the months it lists that fall within the school year,
    on its due day (the month's last day when shorter); a ONCE item in the month of its date. A
    due date on a weekend or a listed holiday moves to the next business day. A student enrolled
    mid-year (`billed_from`) owes nothing for the months before the one they started in.
    """
    if period < Period.of(billed_from):
        return []
    if not (Period.of(year_starts_on) <= period <= Period.of(year_ends_on)):
        return []
    charges = []
    for item in items:
        if item.schedule == "MONTHLY":
            if period.month not in (item.months or []):
                continue
            due = period.day(item.due_day)
        else:
            if item.due_date is None or Period.of(item.due_date) != period:
                continue
            due = item.due_date
        charges.append(
            Charge(item.pk, item.concept_kind, item.description, to_money(item.amount),
                   next_business_day(due, holidays))
        )
    return charges


__all__ = [
    "CENT", "Charge", "DiscountTerm", "Line", "PricedInvoice", "StackingRule", "charges_due",
    "percent_of", "price_period", "split_in_proportion",
]


def discount_valid_in(*, valid_from: date, valid_to: date | None, period: Period) -> bool:
    """A discount counts in a period when its validity overlaps the month."""
    return valid_from <= period.last_day and (valid_to is None or valid_to >= period.first_day)
