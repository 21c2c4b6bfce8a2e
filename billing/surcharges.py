"""Waiving a recargo: the surcharge invoice is cancelled with a reason and keeps its tier's slot,
so no later late-fee run charges that tier again."""

from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext_lazy

from billing.exceptions import InvalidReason, InvoiceCancelled, InvoiceHasPayments, NotASurcharge
from billing.models import Invoice, InvoiceStatus
from core.money import ZERO
from schools.services import school_cache_version_bump
from users.models import User


@transaction.atomic
def surcharge_waive(*, invoice_id: UUID, reason: str, actor: User | None = None) -> Invoice:
    """Cancel a recargo with a reason (ADMIN; the caller checks the role).

    Locks the invoice row, then the school (cache version). Raises NotASurcharge,
    InvoiceCancelled, InvoiceHasPayments (409), InvalidReason (400). Not repeatable: a second
    waive is a 409 invoice_cancelled.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidReason(gettext_lazy("Say why."),
                            fields={"reason": [gettext_lazy("Say why the recargo is waived.")]})
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if invoice.surcharge_of_id is None:
        raise NotASurcharge()
    if invoice.status == InvoiceStatus.CANCELLED:
        raise InvoiceCancelled(gettext_lazy("This recargo is already waived or cancelled."))
    # Paid or credited money stays where it is: a recargo that holds any is corrected by a credit note.
    if invoice.paid_amount > ZERO or invoice.credited_amount > ZERO:
        raise InvoiceHasPayments(
            gettext_lazy("A recargo with payments cannot be waived; issue a credit note instead.")
        )
    invoice.status = InvoiceStatus.CANCELLED
    invoice.cancel_reason = reason[:255]
    invoice.save(update_fields=["status", "cancel_reason", "updated_at"])
    school_cache_version_bump(school_ids=[invoice.school_id])
    return invoice
