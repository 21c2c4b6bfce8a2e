"""Template filters for the back-office pages: money as people read it, status badges."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

from backoffice.badges import status_badge
from backoffice.charts import money_label

register = template.Library()


@register.filter
def money(value) -> str:
    """$12,345.00 (en) / $12.345,00 (es); empty for None."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    if amount < 0:
        return f"\u2212${money_label(-amount)}"  # a credit in the family's favour
    return f"${money_label(amount)}"


@register.filter
def badge(status: str) -> str:
    return status_badge(status)


@register.filter
def change_arrow(change) -> str:
    """▲ 12.50 % / ▼ 3.00 % with a class the CSS colours; nothing when there is nothing to compare."""
    if change is None:
        return ""
    css = "up" if change > 0 else "down" if change < 0 else "flat"
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    return format_html('<span class="bo-change bo-change-{}">{} {} %</span>', css, arrow, abs(change))
