"""A payment's receipt as a PDF: the admin's printable receipt, for API clients (a parents' app)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from billing import selectors
from billing.documents import receipt_filename, receipt_pdf
from core.openapi import uuid_path_parameter
from core.pdf import PDF_MEDIA_TYPE, PDF_UNAVAILABLE_RESPONSE, PdfRenderer, PdfViewMixin, pdf_api_response


class PaymentReceiptApi(PdfViewMixin, APIView):
    renderer_classes = [PdfRenderer]

    @extend_schema(
        operation_id="payments_receipt",
        summary="Payment receipt (PDF)",
        description=(
            "The receipt of one payment of your schools as a PDF: school, receipt number, amount, "
            "method, the invoice it paid and what is pending on it today; for a family payment, the "
            "family, every invoice it was allocated to and what was left as credit. Errors answer JSON."
        ),
        tags=["payments"],
        parameters=[uuid_path_parameter("payment_id", "Payment id.")],
        responses={
            (200, PDF_MEDIA_TYPE): OpenApiTypes.BINARY,
            **PDF_UNAVAILABLE_RESPONSE,
        },
    )
    def get(self, request, payment_id):
        payment = selectors.payment_get(user=request.user, payment_id=payment_id)
        return pdf_api_response(receipt_pdf(payment, request=request), filename=receipt_filename(payment))
