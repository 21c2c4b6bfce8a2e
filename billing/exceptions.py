from http import HTTPStatus

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class BillingError(DomainError, code="billing_error"):
    """A billing rule refused the operation."""


class InvalidAmount(BillingError, code="invalid_amount"):
    default_detail = _("The amount must be greater than zero.")


class FuturePaymentDate(BillingError, code="future_payment_date"):
    default_detail = _("A payment cannot be dated in the future.")


class PaymentDateTooOld(BillingError, code="payment_date_too_old"):
    default_detail = _("The payment date is before the earliest date the school accepts.")


class InvalidPaymentMethod(BillingError, code="invalid_payment_method"):
    default_detail = _("Unknown payment method.")


class Overpayment(BillingError, code="overpayment"):
    default_detail = _("The payment exceeds the invoice's pending amount.")


class InvoiceCancelled(BillingError, code="invoice_cancelled", status=HTTPStatus.CONFLICT):
    default_detail = _("This invoice is cancelled.")


class InvoiceAlreadyPaid(BillingError, code="invoice_already_paid", status=HTTPStatus.CONFLICT):
    default_detail = _("This invoice is already paid.")


class InvoiceHasPayments(BillingError, code="invoice_has_payments", status=HTTPStatus.CONFLICT):
    default_detail = _("An invoice with payments cannot be cancelled.")


class AmountFromLines(BillingError, code="amount_from_lines", status=HTTPStatus.CONFLICT):
    default_detail = _(
        "This invoice's amount is the sum of its lines (issued from a fee plan); "
        "correct it with a credit note."
    )


class AmountBelowPaid(BillingError, code="amount_below_paid", status=HTTPStatus.CONFLICT):
    default_detail = _("The amount cannot be lower than what has already been paid.")


class InactiveStudent(BillingError, code="student_inactive", status=HTTPStatus.CONFLICT):
    default_detail = _("This student is inactive; invoices cannot be issued to them.")


class PaymentImmutable(BillingError, code="payment_immutable", status=HTTPStatus.METHOD_NOT_ALLOWED):
    default_detail = _("Payments cannot be changed or deleted.")


class OverdueSweepRunning(BillingError, code="overdue_sweep_running", status=HTTPStatus.CONFLICT):
    default_detail = _("An overdue sweep is already running; try again when it has finished.")


class AmountDecreaseNotAllowed(BillingError, code="amount_decrease_not_allowed", status=HTTPStatus.FORBIDDEN):
    default_detail = _("Only a school ADMIN can lower an invoice's amount.")


class StudentChangeNotAllowed(BillingError, code="student_change_not_allowed"):
    default_detail = _("An invoice's student cannot be changed; cancel it and issue a new one.")


class RecordImmutable(BillingError, code="record_immutable", status=HTTPStatus.METHOD_NOT_ALLOWED):
    default_detail = _("Allocations, credit notes, reversals and refunds cannot be changed or deleted.")


class AllocationsExceedPayment(BillingError, code="allocations_exceed_payment"):
    default_detail = _("The allocations add up to more than the payment.")


class InvalidAllocations(BillingError, code="invalid_allocations"):
    default_detail = _("The allocations are invalid.")


class CreditNoteAboveBalance(BillingError, code="credit_note_above_balance"):
    default_detail = _("A credit note cannot exceed what is still owed on the invoice.")


class PaymentAlreadyReversed(BillingError, code="payment_already_reversed", status=HTTPStatus.CONFLICT):
    default_detail = _("This payment was already reversed.")


class PaymentCreditRefunded(BillingError, code="payment_credit_refunded", status=HTTPStatus.CONFLICT):
    default_detail = _(
        "Part of this payment's credit was refunded to the family: reversing it would make the "
        "family's credit negative."
    )


class InvalidReversalDate(BillingError, code="invalid_reversal_date"):
    default_detail = _("A reversal is dated between its payment's date and today.")


class RefundAboveCredit(BillingError, code="refund_above_credit"):
    default_detail = _("A refund cannot exceed the family's credit balance.")


class InvalidReason(BillingError, code="invalid_reason"):
    default_detail = _("Say why: a correction needs a reason.")


class NotASurcharge(BillingError, code="not_a_surcharge", status=HTTPStatus.CONFLICT):
    default_detail = _("Only a recargo (late-fee invoice) can be waived.")
