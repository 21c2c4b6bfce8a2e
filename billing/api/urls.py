from django.urls import re_path

from billing.api.receipts import PaymentReceiptApi
from billing.api.views import InvoiceViewSet, PaymentViewSet
from core.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payments", PaymentViewSet, basename="payment")

urlpatterns = [
    *router.urls,
    re_path(r"^payments/(?P<payment_id>[^/]+)/receipt/?$", PaymentReceiptApi.as_view(),
            name="payment-receipt"),
]
