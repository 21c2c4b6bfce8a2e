from django.urls import re_path

from billing.api.receipts import PaymentReceiptApi
from billing.api.views import InvoiceViewSet, PaymentViewSet, StudentInvoiceListApi
from core.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payments", PaymentViewSet, basename="payment")

# `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
urlpatterns = [
    *router.urls,
    re_path(r"^payments/(?P<payment_id>[^/]+)/receipt/?$", PaymentReceiptApi.as_view(),
            name="payment-receipt"),
    re_path(
        r"^students/(?P<student_id>[^/]+)/invoices/?$",
        StudentInvoiceListApi.as_view(),
        name="student-invoices",
    ),
]
