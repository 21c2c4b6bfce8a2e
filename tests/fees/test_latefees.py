"""Which recargo tiers an overdue invoice has reached (pure rules; the run charges them)."""

from datetime import date, timedelta
from decimal import Decimal

from fees.latefees import surcharges_due, tiers_from_json

DUE = date(2026, 10, 12)
TIERS = tiers_from_json([{"from_day": 30, "percent": 5}, {"from_day": 1, "amount": "150.00"}])


def due(days_late, **kwargs):
    arguments = {
        "invoice_amount": Decimal("2500.00"), "due_date": DUE, "as_of": DUE + timedelta(days=days_late),
        "grace_days": 5, "tiers": TIERS, "cap": None, **kwargs,
    }
    return surcharges_due(**arguments)


def test_nothing_is_charged_within_the_grace_days():
    assert due(5) == []


def test_tiers_count_from_the_due_date_once_the_grace_days_are_over():
    assert due(6) == [(0, Decimal("150.00"))]
    assert due(30) == [(0, Decimal("150.00")), (1, Decimal("125.00"))]


def test_a_tier_charged_or_waived_keeps_its_slot():
    assert due(30, taken_slots=[0]) == [(1, Decimal("125.00"))]


def test_a_percent_tier_is_of_the_original_amount_rounded_once():
    tiers = tiers_from_json([{"from_day": 1, "percent": 3}])
    assert due(10, invoice_amount=Decimal("1333.35"), tiers=tiers) == [(0, Decimal("40.00"))]


def test_surcharges_never_add_up_past_the_cap():
    assert due(40, cap=Decimal("200.00")) == [(0, Decimal("150.00")), (1, Decimal("50.00"))]
    assert due(40, cap=Decimal("200.00"), taken_slots=[0], charged_total=Decimal("200.00")) == []
