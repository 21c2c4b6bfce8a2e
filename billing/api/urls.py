from django.urls import re_path

from billing.api import views
from billing.api.family_views import FamilyCreditApi, FamilyPaymentCreateApi, FamilyRefundListApi
from billing.api.receipts import PaymentReceiptApi

# Every route answers with and without a trailing slash, without a redirect. `[^/]+`, not a UUID
# pattern: a malformed id reaches the view, which answers 401 before 404.
ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    re_path(r"^invoices/?$", views.InvoiceListApi.as_view(), name="invoice-list"),
    re_path(rf"^invoices/{ID}/?$", views.InvoiceDetailApi.as_view(), name="invoice-detail"),
    re_path(
        rf"^invoices/{ID}/credit-notes/?$", views.InvoiceCreditNoteListApi.as_view(),
        name="invoice-credit-notes",
    ),
    re_path(r"^payments/?$", views.PaymentListApi.as_view(), name="payment-list"),
    # Before the payment's own routes: `payments/invoice/<id>` is an invoice's payments.
    re_path(
        r"^payments/invoice/(?P<invoice_id>[^/]+)/?$", views.InvoicePaymentListApi.as_view(),
        name="payment-for-invoice",
    ),
    re_path(rf"^payments/{ID}/?$", views.PaymentDetailApi.as_view(), name="payment-detail"),
    re_path(
        rf"^payments/{ID}/allocations/?$", views.PaymentAllocationListApi.as_view(),
        name="payment-allocations",
    ),
    re_path(rf"^payments/{ID}/reverse/?$", views.PaymentReverseApi.as_view(), name="payment-reverse"),
    re_path(
        r"^payments/(?P<payment_id>[^/]+)/receipt/?$", PaymentReceiptApi.as_view(), name="payment-receipt"
    ),
    re_path(r"^credit-notes/?$", views.CreditNoteListApi.as_view(), name="credit-note-list"),
    re_path(rf"^credit-notes/{ID}/?$", views.CreditNoteDetailApi.as_view(), name="credit-note-detail"),
    # A family's money (billing's, not families').
    re_path(r"^families/(?P<family_id>[^/]+)/payments/?$", FamilyPaymentCreateApi.as_view(),
            name="family-payments"),
    re_path(r"^families/(?P<family_id>[^/]+)/credit/?$", FamilyCreditApi.as_view(), name="family-credit"),
    re_path(
        r"^families/(?P<family_id>[^/]+)/refunds/?$", FamilyRefundListApi.as_view(), name="family-refunds"
    ),
    re_path(
        r"^students/(?P<student_id>[^/]+)/invoices/?$",
        views.StudentInvoiceListApi.as_view(),
        name="student-invoices",
    ),
]
