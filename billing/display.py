"""Coloured badges for the derived invoice status, shared by the admin lists and the printables."""

from django.utils.html import format_html
from django.utils.translation import pgettext_lazy

from billing.models import InvoiceStatus

STATUS_LABELS = {
    InvoiceStatus.PENDING: pgettext_lazy("invoice status", "Pending"),
    InvoiceStatus.PARTIAL: pgettext_lazy("invoice status", "Partial"),
    InvoiceStatus.PAID: pgettext_lazy("invoice status", "Paid"),
    InvoiceStatus.OVERDUE: pgettext_lazy("invoice status", "Overdue"),
    InvoiceStatus.CANCELLED: pgettext_lazy("invoice status", "Cancelled"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def status_badge(status: str) -> str:
    """<span class="bo-badge bo-badge-overdue" data-status="OVERDUE">Vencida</span>"""
    return format_html(
        '<span class="bo-badge bo-badge-{}" data-status="{}">{}</span>',
        str(status).lower(), status, status_label(status),
    )
