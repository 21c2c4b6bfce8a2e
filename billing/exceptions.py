from rest_framework import status

from core.exceptions import DomainError


class BillingError(DomainError):
    code = "billing_error"


class InvalidAmount(BillingError):
    code = "invalid_amount"
    status = status.HTTP_400_BAD_REQUEST
    default_detail = "The amount must be greater than zero."


class FuturePaymentDate(BillingError):
    code = "future_payment_date"
    status = status.HTTP_400_BAD_REQUEST
    default_detail = "A payment cannot be dated in the future."


class InvalidPaymentMethod(BillingError):
    code = "invalid_payment_method"
    status = status.HTTP_400_BAD_REQUEST
    default_detail = "Unknown payment method."


class Overpayment(BillingError):
    code = "overpayment"
    status = status.HTTP_400_BAD_REQUEST
    default_detail = "The payment exceeds the invoice's pending amount."


class InvoiceCancelled(BillingError):
    code = "invoice_cancelled"
    status = status.HTTP_409_CONFLICT
    default_detail = "This invoice is cancelled."


class InvoiceAlreadyPaid(BillingError):
    code = "invoice_already_paid"
    status = status.HTTP_409_CONFLICT
    default_detail = "This invoice is already paid."


class InvoiceHasPayments(BillingError):
    code = "invoice_has_payments"
    status = status.HTTP_409_CONFLICT
    default_detail = "An invoice with payments cannot be cancelled."


class AmountBelowPaid(BillingError):
    code = "amount_below_paid"
    status = status.HTTP_409_CONFLICT
    default_detail = "The amount cannot be lower than what has already been paid."


class InactiveStudent(BillingError):
    code = "student_inactive"
    status = status.HTTP_409_CONFLICT
    default_detail = "This student is inactive; invoices cannot be issued to them."


class PaymentImmutable(BillingError):
    code = "payment_immutable"
    status = status.HTTP_405_METHOD_NOT_ALLOWED
    default_detail = "Payments cannot be changed or deleted."


class OverdueSweepRunning(BillingError):
    code = "overdue_sweep_running"
    status = status.HTTP_409_CONFLICT
    default_detail = "An overdue sweep is already running; try again when it has finished."
