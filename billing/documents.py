"""The payment receipt as a printable document: template + context, and its PDF.

The admin's print page, the API's PDF and the reminders' attachments all build their context here,
so a receipt reads the same on screen, on paper and in a PDF.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext

from billing import rules
from billing.models import Invoice, Payment, PaymentMethod
from core.pdf import render_pdf

RECEIPT_TEMPLATE = "backoffice/receipt.html"


def receipt_context(payment: Payment) -> dict:
    """What the receipt shows: the payment, its invoice as it stands now, the school and student."""
    invoice = (
        Invoice.objects.with_current_status()
        .select_related("student", "school")
        .get(pk=payment.invoice_id)
    )
    return {
        "payment": payment,
        "invoice": invoice,
        "school": invoice.school,
        "student": invoice.student,
        "pending_after": rules.invoice_pending_amount(invoice),
        "method_label": PaymentMethod(payment.method).label,
        "title": gettext("Receipt %(number)s") % {"number": payment.number},
        "printed_at": timezone.localtime(),
    }


def receipt_pdf(payment: Payment, *, request=None) -> bytes:
    return render_pdf(RECEIPT_TEMPLATE, receipt_context(payment), request=request)


def receipt_filename(payment: Payment) -> str:
    return f"recibo-{payment.number}.pdf"
