from django.urls import re_path

from billing.api.family_views import FamilyCreditApi, FamilyPaymentCreateApi, FamilyRefundListApi
from billing.api.receipts import PaymentReceiptApi
from billing.api.views import CreditNoteViewSet, InvoiceViewSet, PaymentViewSet, StudentInvoiceListApi
from core.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payments", PaymentViewSet, basename="payment")
router.register("credit-notes", CreditNoteViewSet, basename="credit-note")

# A family's money (billing's, not families'): `[^/]+` so a malformed id answers 401 before 404.
urlpatterns = [
    *router.urls,
    re_path(r"^families/(?P<family_id>[^/]+)/payments/?$", FamilyPaymentCreateApi.as_view(),
            name="family-payments"),
    re_path(r"^families/(?P<family_id>[^/]+)/credit/?$", FamilyCreditApi.as_view(), name="family-credit"),
    re_path(
        r"^families/(?P<family_id>[^/]+)/refunds/?$", FamilyRefundListApi.as_view(), name="family-refunds"
    ),
    re_path(r"^payments/(?P<payment_id>[^/]+)/receipt/?$", PaymentReceiptApi.as_view(),
            name="payment-receipt"),
    re_path(
        r"^students/(?P<student_id>[^/]+)/invoices/?$",
        StudentInvoiceListApi.as_view(),
        name="student-invoices",
    ),
]
