"""Template filters for the back-office pages: money as people read it, status badges."""

from django import template
from django.utils.html import format_html

from billing.display import status_badge
from core.formats import money

register = template.Library()
register.filter("money", money)
register.filter("badge", status_badge)


@register.filter
def change_arrow(change) -> str:
    """▲ 12.50 % / ▼ 3.00 % with a class the CSS colours; nothing when there is nothing to compare."""
    if change is None:
        return ""
    css = "up" if change > 0 else "down" if change < 0 else "flat"
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    return format_html('<span class="bo-change bo-change-{}">{} {} %</span>', css, arrow, abs(change))
