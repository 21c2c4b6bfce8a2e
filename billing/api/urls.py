from billing.api import views
from billing.api.family_views import FamilyCreditApi, FamilyPaymentCreateApi, FamilyRefundListApi
from billing.api.receipts import PaymentReceiptApi
from core.api import route

urlpatterns = [
    route("invoices", views.InvoiceListApi, "invoice-list"),
    route("invoices/<pk>", views.InvoiceDetailApi, "invoice-detail"),
    route("invoices/<pk>/credit-notes", views.InvoiceCreditNoteListApi, "invoice-credit-notes"),
    route("payments", views.PaymentListApi, "payment-list"),
    # Before the payment's own routes: `payments/invoice/<id>` is an invoice's payments.
    route("payments/invoice/<invoice_id>", views.InvoicePaymentListApi, "payment-for-invoice"),
    route("payments/<pk>", views.PaymentDetailApi, "payment-detail"),
    route("payments/<pk>/allocations", views.PaymentAllocationListApi, "payment-allocations"),
    route("payments/<pk>/reverse", views.PaymentReverseApi, "payment-reverse"),
    route("payments/<payment_id>/receipt", PaymentReceiptApi, "payment-receipt"),
    route("credit-notes", views.CreditNoteListApi, "credit-note-list"),
    route("credit-notes/<pk>", views.CreditNoteDetailApi, "credit-note-detail"),
    # A family's money (billing's, not families').
    route("families/<family_id>/payments", FamilyPaymentCreateApi, "family-payments"),
    route("families/<family_id>/credit", FamilyCreditApi, "family-credit"),
    route("families/<family_id>/refunds", FamilyRefundListApi, "family-refunds"),
    route("students/<student_id>/invoices", views.StudentInvoiceListApi, "student-invoices"),
]
