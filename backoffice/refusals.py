"""The services' refusals, said to school staff in their language.

Services raise DomainError with a stable `code` and an English `detail` meant for API clients;
the back-office shows a translated sentence chosen by code (falling back to the detail).
"""

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError

MESSAGES = {
    "overpayment": _("The payment exceeds the pending amount of this invoice."),
    "invalid_amount": _("The amount must be greater than zero."),
    "invalid_payment_method": _("Unknown payment method."),
    "invoice_cancelled": _("This invoice is cancelled."),
    "invoice_already_paid": _("This invoice is already paid."),
    "invoice_has_payments": _("An invoice with payments cannot be cancelled."),
    "amount_below_paid": _("The amount cannot be lower than what has already been paid."),
    "student_inactive": _("This student is inactive; invoices cannot be issued to them."),
    "school_inactive": _("This school is inactive; reactivate it before enrolling students."),
}


def refusal_text(refusal: DomainError) -> str:
    return str(MESSAGES.get(refusal.code, refusal.detail))
