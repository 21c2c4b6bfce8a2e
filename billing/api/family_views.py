"""A family's money: one payment for all its children, its credit balance, its refunds."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from billing import credit, selectors
from billing.api.filters import RefundFilter
from billing.api.serializers import (
    FamilyCreditOutput,
    FamilyPaymentCreateInput,
    PaymentOutput,
    RefundCreateInput,
    RefundOutput,
)
from billing.api.views import IDEMPOTENCY_KEY
from billing.models import Payment, Refund
from billing.services import family_credit_payments
from core.api import PagedListApi, parse
from core.filters import StrictOrderingFilter
from core.idempotency import idempotent_response
from core.openapi import error_responses, uuid_path_parameter
from families.selectors import family_get
from users.access import Action, require

FAMILY_ID = uuid_path_parameter("family_id", "Family id.")


class FamilyPaymentCreateApi(GenericAPIView):
    queryset = Payment.objects.none()
    serializer_class = PaymentOutput
    filter_backends: list = []

    @extend_schema(
        operation_id="family_payments_create",
        tags=["families"],
        summary="Record a family payment",
        description=(
            "Records one payment for the family (ACCOUNTANT or ADMIN) and allocates it: to the invoices "
            "listed in `allocations`, or else oldest due date first (then by number) across the open "
            "invoices of all the family's students. What is left over is the family's credit, spent on "
            "its next invoices. Honours `Idempotency-Key`."
        ),
        parameters=[FAMILY_ID, IDEMPOTENCY_KEY],
        request=FamilyPaymentCreateInput,
        responses={
            201: PaymentOutput,
            **error_responses(400, 404, 409, descriptions={
                400: "`validation_error`, `invalid_amount`, `future_payment_date`, `payment_date_too_old` "
                "(before the school's earliest payment date), `invalid_allocations` (an invoice listed "
                "twice), `allocations_exceed_payment`, or `overpayment` (an allocation above its "
                "invoice's balance).",
                404: "The family, or a listed invoice, is unknown, outside your schools or not one of this "
                "family's students' (`not_found`).",
                409: "A listed invoice is `invoice_cancelled` or `invoice_already_paid`; or "
                "`idempotency_key_reused`.",
            }),
        },
    )
    def post(self, request, family_id):
        return idempotent_response(
            request, scope="families.payments", perform=lambda: self._create(request, family_id)
        )

    def _create(self, request, family_id):
        family = family_get(user=request.user, family_id=family_id)
        require(request.user, Action.PAYMENT_RECORD, family.school_id)
        data = parse(FamilyPaymentCreateInput, request.data)
        requests = data.pop("allocations", None)
        if requests is not None:
            requests = [credit.AllocationRequest(**item) for item in requests]
        payment = credit.family_payment_record(
            family_id=family.pk, allocations=requests, actor=request.user, **data
        )
        return Response(PaymentOutput(payment).data, status=status.HTTP_201_CREATED)


class FamilyCreditApi(GenericAPIView):
    serializer_class = FamilyCreditOutput
    filter_backends: list = []

    @extend_schema(
        operation_id="family_credit_retrieve",
        tags=["families"],
        summary="A family's credit balance",
        description="The unallocated part of the family's payments (not reversed), less refunds; and the "
        "payments it is in, oldest first (the order it is spent and refunded).",
        parameters=[FAMILY_ID],
    )
    def get(self, request, family_id):
        family = family_get(user=request.user, family_id=family_id)
        payments = list(family_credit_payments(family.pk))
        body = {
            "family_id": family.pk,
            "reference": family.reference,
            "credit_balance": sum((p.unallocated_amount for p in payments), credit.ZERO),
            "payments": payments,
        }
        return Response(FamilyCreditOutput(body).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="family_refunds_list", tags=["families"], summary="A family's refunds",
        parameters=[FAMILY_ID], responses={200: RefundOutput(many=True)},
    )
)
class FamilyRefundListApi(PagedListApi):
    queryset = Refund.objects.none()
    serializer_class = RefundOutput
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = RefundFilter
    ordering_fields = ["refund_date", "amount", "number", "created_at"]
    ordering = ["-refund_date", "-number"]

    def get_queryset(self):
        family = family_get(user=self.request.user, family_id=self.kwargs["family_id"])
        return selectors.refund_list(user=self.request.user).filter(family_id=family.pk)

    @extend_schema(
        operation_id="family_refunds_create",
        tags=["families"],
        summary="Refund a family's credit",
        description="Pays money back to the family out of its credit balance (oldest payments first). "
        "Immutable, numbered per school (RE-YYYY-NNNNNN). ADMIN only.",
        parameters=[FAMILY_ID],
        request=RefundCreateInput,
        responses={
            201: RefundOutput,
            **error_responses(400, 403, descriptions={
                400: "`validation_error`, `invalid_amount`, `future_payment_date` (a refund dated in the "
                "future), `payment_date_too_old` (before the school's earliest payment date), or "
                "`refund_above_credit`.",
                403: "Only the school's ADMINs (and platform admins) refund (`permission_denied`).",
            }),
        },
    )
    def post(self, request, family_id):
        family = family_get(user=request.user, family_id=family_id)
        require(request.user, Action.MONEY_CORRECT, family.school_id)
        data = parse(RefundCreateInput, request.data)
        refund = credit.family_refund_create(family_id=family.pk, actor=request.user, **data)
        return Response(RefundOutput(refund).data, status=status.HTTP_201_CREATED)
