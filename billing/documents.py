"""The payment receipt as a printable document: template + context, and its PDF.

The admin's print page, the API's PDF and the reminders' attachments all build their context here,
so a receipt reads the same on screen, on paper and in a PDF.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext

from billing import rules
from billing.models import Allocation, Invoice, Payment, PaymentMethod
from core.pdf import render_pdf
from families.models import Family

RECEIPT_TEMPLATE = "backoffice/receipt.html"


def receipt_context(payment: Payment) -> dict:
    """What the receipt shows: the payment, the school, and where the money went as it stands now:
    the invoice and its student (a payment against one invoice), or, for a family payment, the
    family and each invoice it was allocated to, with what is left as the family's credit."""
    common = {
        "payment": payment,
        "method_label": PaymentMethod(payment.method).label,
        "title": gettext("Receipt %(number)s") % {"number": payment.number},
        "printed_at": timezone.localtime(),
    }
    if payment.invoice_id is None:
        family = Family.objects.select_related("school").get(pk=payment.family_id)
        allocations = list(
            Allocation.objects.filter(payment_id=payment.pk)
            .select_related("invoice__student")
            .annotate(pending_now=rules.pending_amount_expression("invoice__"))
            .order_by("invoice__due_date", "invoice__number")
        )
        return {
            **common,
            "school": family.school,
            "family": family,
            "allocations": allocations,
            "left_as_credit": payment.amount - payment.allocated_amount,
        }
    invoice = (
        Invoice.objects.with_current_status()
        .select_related("student", "school")
        .get(pk=payment.invoice_id)
    )
    return {
        **common,
        "invoice": invoice,
        "school": invoice.school,
        "student": invoice.student,
        "pending_after": rules.invoice_pending_amount(invoice),
    }


def receipt_pdf(payment: Payment, *, request=None) -> bytes:
    return render_pdf(RECEIPT_TEMPLATE, receipt_context(payment), request=request)


def receipt_filename(payment: Payment) -> str:
    return f"recibo-{payment.number}.pdf"
