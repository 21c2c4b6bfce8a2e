"""The pricing rules of a student's period, as pure functions (no database)."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fees.calendar import Period, next_business_day
from fees.pricing import (
    Charge,
    DiscountTerm,
    StackingRule,
    charges_due,
    price_period,
    split_in_proportion,
)

DUE = date(2026, 12, 10)
SUM = StackingRule("SUM_CAPPED", 100, True)


def tuition(amount="1000.00", key="tuition"):
    return Charge(key, "TUITION", "Colegiatura", Decimal(amount), DUE)


def enrollment_fee(amount="3000.00"):
    return Charge("enrollment", "ENROLLMENT", "Inscripción", Decimal(amount), DUE)


def beca(percent, kinds=("TUITION",), key="beca"):
    return DiscountTerm(key, "SCHOLARSHIP", frozenset(kinds), "Beca", percent=percent)


def sibling(percent, kinds=("TUITION",)):
    return DiscountTerm("sibling", "SIBLING", frozenset(kinds), "Hermanos", percent=percent)


def pronto_pago(percent, day=5):
    covered = frozenset({"TUITION"})
    return DiscountTerm("early", "EARLY_PAYMENT", covered, percent=percent, early_payment_day=day)


def amounts(priced):
    return [line.amount for line in priced.lines]


def test_a_percent_discount_rounds_once_half_up():
    priced = price_period(charges=[tuition("1333.30")], discounts=[beca(25)], rule=SUM)
    assert amounts(priced) == [Decimal("1333.30"), Decimal("-333.33")]
    assert priced.amount == Decimal("999.97")


def test_a_discount_over_two_lines_gives_the_leftover_cent_to_the_last_line():
    charges = [tuition("100.01", key="a"), tuition("100.01", key="b")]
    priced = price_period(charges=charges, discounts=[beca(33)], rule=SUM)
    # 33 % of 200.02 is 66.0066 → 66.01 once; split 33.01 + 33.00.
    assert amounts(priced) == [Decimal("100.01"), Decimal("100.01"), Decimal("-33.01"), Decimal("-33.00")]
    assert priced.amount == Decimal("200.02") - Decimal("66.01")


def test_split_in_proportion_always_adds_up():
    parts = split_in_proportion(Decimal("10.00"), [Decimal("1"), Decimal("1"), Decimal("1")])
    assert parts == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]


def test_a_full_beca_issues_nothing():
    assert price_period(charges=[tuition()], discounts=[beca(100)], rule=SUM) is None


def test_a_full_beca_on_tuition_leaves_the_other_concepts_invoiced():
    priced = price_period(charges=[tuition(), enrollment_fee()], discounts=[beca(100)], rule=SUM)
    assert [(line.concept_kind, line.amount) for line in priced.lines] == [("ENROLLMENT", Decimal("3000.00"))]


def test_sum_capped_adds_discounts_up_to_the_cap():
    rule = StackingRule("SUM_CAPPED", 50, True)
    priced = price_period(charges=[tuition()], discounts=[beca(40), sibling(15)], rule=rule)
    assert amounts(priced) == [Decimal("1000.00"), Decimal("-400.00"), Decimal("-100.00")]


def test_sum_capped_below_the_cap_takes_every_discount_in_full():
    priced = price_period(charges=[tuition()], discounts=[beca(25), sibling(10)], rule=SUM)
    assert priced.amount == Decimal("650.00")


def test_best_applies_only_the_discount_worth_most():
    rule = StackingRule("BEST", 100, True)
    priced = price_period(charges=[tuition()], discounts=[beca(25), sibling(30)], rule=rule)
    assert amounts(priced) == [Decimal("1000.00"), Decimal("-300.00")]
    assert priced.discounts_applied == ["sibling"]


def test_a_fixed_discount_never_takes_a_line_below_zero():
    fixed = DiscountTerm("fixed", "OTHER", frozenset({"ENROLLMENT"}), amount=Decimal("5000.00"))
    priced = price_period(charges=[tuition(), enrollment_fee()], discounts=[fixed], rule=SUM)
    assert [line.concept_kind for line in priced.lines] == ["TUITION"]
    assert priced.amount == Decimal("1000.00")


def test_pronto_pago_is_an_offer_on_what_is_left():
    priced = price_period(charges=[tuition()], discounts=[sibling(10), pronto_pago(5)], rule=SUM)
    assert priced.amount == Decimal("900.00")
    assert priced.early_payment_amount == Decimal("855.00")
    assert priced.early_payment_until == date(2026, 12, 5)


def test_a_beca_excludes_pronto_pago_when_the_school_year_says_so():
    priced = price_period(charges=[tuition()], discounts=[beca(25), pronto_pago(5)], rule=SUM)
    assert priced.early_payment_amount is None and priced.early_payment_until is None


def test_a_beca_allows_pronto_pago_when_the_school_year_allows_it():
    rule = StackingRule("SUM_CAPPED", 100, False)
    priced = price_period(charges=[tuition()], discounts=[beca(25), pronto_pago(5)], rule=rule)
    assert priced.early_payment_amount == Decimal("712.50")


def test_pronto_pago_counts_against_the_cap():
    rule = StackingRule("SUM_CAPPED", 30, False)
    priced = price_period(charges=[tuition()], discounts=[beca(25), pronto_pago(10)], rule=rule)
    assert priced.amount == Decimal("750.00")
    assert priced.early_payment_amount == Decimal("700.00")


def test_with_best_pronto_pago_is_offered_only_without_another_discount():
    rule = StackingRule("BEST", 100, False)
    with_sibling = price_period(charges=[tuition()], discounts=[sibling(10), pronto_pago(5)], rule=rule)
    assert with_sibling.early_payment_amount is None
    alone = price_period(charges=[tuition()], discounts=[pronto_pago(5)], rule=rule)
    assert alone.early_payment_amount == Decimal("950.00")


# --- due dates and periods ------------------------------------------------------------------

class Item:
    def __init__(self, pk, schedule, amount="1000.00", months=(), due_day=None, due_date=None,
                 kind="TUITION"):
        self.pk, self.schedule, self.amount = pk, schedule, Decimal(amount)
        self.months, self.due_day, self.due_date = list(months), due_day, due_date
        self.concept_kind, self.description = kind, "Colegiatura"


YEAR = {"year_starts_on": date(2026, 8, 17), "year_ends_on": date(2027, 7, 9)}
TEN_MONTHS = [9, 10, 11, 12, 1, 2, 3, 4, 5, 6]


def test_a_monthly_item_is_due_on_its_day_moved_past_the_weekend():
    # 2026-10-10 is a Saturday.
    [charge] = charges_due(
        items=[Item("m", "MONTHLY", months=TEN_MONTHS, due_day=10)], period=Period(2026, 10),
        billed_from=date(2026, 8, 17), **YEAR,
    )
    assert charge.due_date == date(2026, 10, 12)


def test_a_due_day_on_a_listed_holiday_moves_to_the_next_business_day():
    # 2026-11-16 (Monday) is the Revolution Day holiday.
    [charge] = charges_due(
        items=[Item("m", "MONTHLY", months=TEN_MONTHS, due_day=16)], period=Period(2026, 11),
        billed_from=date(2026, 8, 17), holidays=frozenset({date(2026, 11, 16)}), **YEAR,
    )
    assert charge.due_date == date(2026, 11, 17)


def test_a_due_day_past_the_month_end_is_its_last_business_day_or_after():
    [charge] = charges_due(
        items=[Item("m", "MONTHLY", months=TEN_MONTHS, due_day=31)], period=Period(2027, 2),
        billed_from=date(2026, 8, 17), **YEAR,
    )
    assert charge.due_date == date(2027, 3, 1)  # Feb 28, 2027 is a Sunday
    assert next_business_day(date(2027, 2, 26)) == date(2027, 2, 26)


def test_a_month_the_item_does_not_list_bills_nothing():
    items = [Item("m", "MONTHLY", months=TEN_MONTHS, due_day=10)]
    assert charges_due(items=items, period=Period(2027, 7), billed_from=date(2026, 8, 17), **YEAR) == []


def test_a_mid_year_enrollment_gets_no_earlier_months():
    items = [Item("m", "MONTHLY", months=TEN_MONTHS, due_day=10)]
    start = date(2027, 1, 20)
    assert charges_due(items=items, period=Period(2026, 12), billed_from=start, **YEAR) == []
    assert len(charges_due(items=items, period=Period(2027, 1), billed_from=start, **YEAR)) == 1


def test_a_once_item_is_due_in_the_month_of_its_date():
    items = [Item("i", "ONCE", due_date=date(2026, 8, 20), kind="ENROLLMENT")]
    assert charges_due(items=items, period=Period(2026, 9), billed_from=date(2026, 8, 17), **YEAR) == []
    [charge] = charges_due(items=items, period=Period(2026, 8), billed_from=date(2026, 8, 17), **YEAR)
    assert charge.due_date == date(2026, 8, 20)


def test_a_period_outside_the_school_year_bills_nothing():
    items = [Item("m", "MONTHLY", months=list(range(1, 13)), due_day=10)]
    assert charges_due(items=items, period=Period(2027, 9), billed_from=date(2026, 8, 17), **YEAR) == []


# --- whatever the discounts, the lines add up -----------------------------------------------

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
kinds = st.sampled_from(["TUITION", "ENROLLMENT", "MATERIALS"])


@st.composite
def discount_terms(draw):
    kind = draw(st.sampled_from(["SCHOLARSHIP", "SIBLING", "OTHER", "EARLY_PAYMENT"]))
    covered = frozenset(draw(st.lists(kinds, min_size=1, max_size=3)))
    key = draw(st.uuids())
    if draw(st.booleans()):
        return DiscountTerm(key, kind, covered, percent=draw(st.integers(1, 100)), early_payment_day=5)
    return DiscountTerm(key, kind, covered, amount=draw(money), early_payment_day=5)


# No per-example deadline: on a loaded machine a slow example is not a wrong one.
@settings(deadline=None)
@given(
    charges=st.lists(st.tuples(kinds, money), min_size=1, max_size=4),
    discounts=st.lists(discount_terms(), max_size=4),
    stacking=st.sampled_from(["SUM_CAPPED", "BEST"]),
    cap=st.integers(0, 100),
    excludes=st.booleans(),
)
def test_lines_always_add_up_and_no_concept_goes_below_zero(charges, discounts, stacking, cap, excludes):
    built = [Charge(i, kind, "x", amount, DUE) for i, (kind, amount) in enumerate(charges)]
    priced = price_period(charges=built, discounts=discounts, rule=StackingRule(stacking, cap, excludes))
    if priced is None:
        return
    assert priced.amount == sum(line.amount for line in priced.lines) > 0
    for line in priced.lines:
        assert line.amount == line.amount.quantize(Decimal("0.01"))
    for kind in {line.concept_kind for line in priced.lines}:
        assert sum(line.amount for line in priced.lines if line.concept_kind == kind) > 0
    gross = sum(line.amount for line in priced.lines if line.discount_key is None)
    if stacking == "SUM_CAPPED":
        assert gross - priced.amount <= gross * cap / 100 + Decimal("0.01")
    if priced.early_payment_amount is not None:
        assert 0 < priced.early_payment_amount < priced.amount
