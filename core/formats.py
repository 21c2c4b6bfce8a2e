"""Amounts as people read them, in the active language: one spelling for the admin, the back-office
pages and the printables."""

from decimal import Decimal

from django.utils.formats import number_format


def money_label(value: Decimal) -> str:
    """Full amount with grouping, in the active language's format: 12.345,00 (es), 12,345.00 (en)."""
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def money(value) -> str:
    """$12,345.00 (en) / $12.345,00 (es); empty for None."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    if amount < 0:
        return f"\u2212${money_label(-amount)}"  # a credit in the family's favour
    return f"${money_label(amount)}"
