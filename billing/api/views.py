"""Invoices, payments and credit notes: parse -> scope and role check -> service or selector -> serialize.

Explicit views like the other apps (no router): each URL names its view in billing/api/urls.py.
"""

from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from billing import corrections, selectors, services
from billing.api.filters import CreditNoteFilter, InvoiceFilter, PaymentFilter
from billing.api.serializers import (
    AllocationOutput,
    CreditNoteCreateInput,
    CreditNoteOutput,
    InvoiceCreateInput,
    InvoiceOutput,
    InvoiceUpdateInput,
    PaymentCreateInput,
    PaymentOutput,
    PaymentReverseInput,
)
from billing.exceptions import StudentChangeNotAllowed
from billing.models import CreditNote, Invoice, Payment
from core.api import output_body, parse
from core.filters import StrictOrderingFilter, StrictSearchFilter
from core.idempotency import idempotent_response
from core.openapi import error_responses, uuid_path_parameter
from students.selectors import student_get
from users.access import Action, require
from users.api.resources import cached_list_response

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID is a good choice), at most 255 characters. Retrying with the same "
        "key and the same body replays the first answer (status and body, header "
        "`Idempotent-Replayed: true`) instead of writing twice; the same key with another body is a "
        "409 `idempotency_key_reused`. Keys are remembered per user, in the database."
    ),
)
UUID_PATH = uuid_path_parameter("id")
ADMIN_CORRECTS = "Only the school's ADMINs (and platform admins) correct money (`permission_denied`)."


class _InvoiceListing:
    """Filters, search and ordering of invoice lists (and the page they answer)."""

    queryset = Invoice.objects.none()  # for the schema; requests read through billing.selectors
    serializer_class = InvoiceOutput
    filter_backends = [DjangoFilterBackend, StrictSearchFilter, StrictOrderingFilter]
    filterset_class = InvoiceFilter
    search_fields = ["number", "student__first_name", "student__last_name", "student__email"]
    ordering_fields = [
        "due_date", "amount", "paid_amount", "number", "created_at", "updated_at",
        "student__last_name",
    ]
    # Newest due date first; the number (then the id, added by the filter) keeps pages stable.
    ordering = ["-due_date", "-number"]

    def _page(self, invoices):
        def compute():
            page = self.paginate_queryset(
                self.filter_queryset(invoices).prefetch_related(selectors.invoice_lines_prefetch())
            )
            return self.get_paginated_response(InvoiceOutput(page, many=True).data).data

        return cached_list_response(self.request, namespace="billing.invoice-page", compute=compute)


class _PaymentListing:
    queryset = Payment.objects.none()  # for the schema; requests read through billing.selectors
    serializer_class = PaymentOutput
    filter_backends = [DjangoFilterBackend, StrictSearchFilter, StrictOrderingFilter]
    filterset_class = PaymentFilter
    search_fields = ["reference", "number", "invoice__number"]
    ordering_fields = ["payment_date", "amount", "number", "created_at"]
    ordering = ["-payment_date", "-number"]

    def _page(self, payments):
        def compute():
            page = self.paginate_queryset(self.filter_queryset(payments))
            return self.get_paginated_response(PaymentOutput(page, many=True).data).data

        return cached_list_response(self.request, namespace="billing.payment-page", compute=compute)


# One row, or a short list that is not paged: no query filters. (A comment, not a docstring:
# the schema would read a docstring as the description of every operation that has none.)
class _Single:
    filter_backends: list = []
    pagination_class = None


# --- invoices -------------------------------------------------------------------------------


class InvoiceListApi(_InvoiceListing, GenericAPIView):
    @extend_schema(
        operation_id="invoices_list",
        tags=["invoices"],
        summary="List invoices",
        description="Invoices of your schools, newest due date first. `status` is derived with today's date.",
        responses={200: InvoiceOutput(many=True)},
    )
    def get(self, request):
        return self._page(selectors.invoice_list(user=request.user))

    @extend_schema(
        operation_id="invoices_create",
        tags=["invoices"],
        summary="Issue an invoice",
        description=(
            "Issues an invoice to a student of one of your schools (ACCOUNTANT or ADMIN); the "
            "student's school numbers it. Honours `Idempotency-Key`."
        ),
        request=InvoiceCreateInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: InvoiceOutput,
            **error_responses(400, 404, 409, descriptions={
                400: "`validation_error` (with `fields`) or `invalid_amount`.",
                404: "`student_id` is unknown or outside your schools (`not_found`); malformed: 400.",
                409: "`student_inactive` (student or school deactivated) or `idempotency_key_reused`.",
            }),
        },
    )
    def post(self, request):
        return idempotent_response(request, scope="invoices.create", perform=lambda: self._create(request))

    def _create(self, request):
        data = parse(InvoiceCreateInput, request.data)
        invoice = services.invoice_create(
            student_id=data["student_id"],
            amount=data["amount"],
            due_date=data["due_date"],
            description=data["description"],
            actor=request.user,
            checked_for=request.user,
        )
        return Response(output_body(InvoiceOutput, invoice), status=status.HTTP_201_CREATED)


INVOICE_UPDATE_ERRORS = {
    403: "`permission_denied` (role), or `amount_decrease_not_allowed` (an ACCOUNTANT "
    "lowering the amount).",
    409: "`invoice_cancelled` or `invoice_already_paid` (cannot be edited), "
    "`amount_below_paid` (the new amount is below what was paid), or `amount_from_lines` (a new amount "
    "on an invoice of several lines, issued from a fee plan: correct it with a credit note).",
}


class InvoiceDetailApi(_Single, GenericAPIView):
    queryset = Invoice.objects.none()  # for the schema; requests read through billing.selectors
    serializer_class = InvoiceOutput

    @extend_schema(operation_id="invoices_retrieve", tags=["invoices"], summary="Get an invoice",
                   parameters=[UUID_PATH], responses={200: InvoiceOutput})
    def get(self, request, pk):
        return Response(InvoiceOutput(selectors.invoice_get(user=request.user, invoice_id=pk)).data)

    @extend_schema(
        operation_id="invoices_update",
        tags=["invoices"],
        summary="Update an invoice",
        description=(
            "Changes amount, due date or description of an open invoice (ACCOUNTANT or ADMIN); send "
            "only the fields to change. The status is recomputed. Lowering the amount forgives debt: "
            "ADMIN only."
        ),
        request=InvoiceUpdateInput,
        parameters=[UUID_PATH],
        responses={200: InvoiceOutput, **error_responses(403, 409, descriptions=INVOICE_UPDATE_ERRORS)},
    )
    def put(self, request, pk):
        invoice = selectors.invoice_get(user=request.user, invoice_id=pk)
        require(request.user, Action.INVOICE_EDIT, invoice.school_id)
        data = dict(parse(InvoiceUpdateInput, request.data))
        echoed_student = data.pop("student_id", None)
        if echoed_student is not None and echoed_student != invoice.student_id:
            raise StudentChangeNotAllowed(
                fields={"student_id": [gettext_lazy("Must be the invoice's own student.")]}
            )
        invoice = services.invoice_update(invoice_id=invoice.pk, actor=request.user, **data)
        return Response(InvoiceOutput(invoice).data)

    @extend_schema(
        operation_id="invoices_partial_update",
        tags=["invoices"],
        summary="Update an invoice (partial)",
        description="Same as PUT: only the fields sent change.",
        request=InvoiceUpdateInput,
        parameters=[UUID_PATH],
        responses={200: InvoiceOutput, **error_responses(403, 409)},
    )
    def patch(self, request, pk):
        return self.put(request, pk)

    @extend_schema(
        operation_id="invoices_destroy",
        tags=["invoices"],
        summary="Cancel an invoice",
        description=(
            "Cancels (voids) the invoice; final (ADMIN). The row stays, listed as CANCELLED and "
            "counted in no total. Answers the cancelled invoice."
        ),
        parameters=[UUID_PATH],
        responses={
            200: InvoiceOutput,
            **error_responses(409, descriptions={
                409: "`invoice_has_payments` (refund first) or `invoice_cancelled` (already cancelled).",
            }),
        },
    )
    def delete(self, request, pk):
        invoice = selectors.invoice_get(user=request.user, invoice_id=pk)
        require(request.user, Action.INVOICE_CANCEL, invoice.school_id)
        invoice = services.invoice_cancel(invoice_id=invoice.pk, actor=request.user)
        return Response(InvoiceOutput(invoice).data)


class InvoiceCreditNoteListApi(_Single, GenericAPIView):
    queryset = CreditNote.objects.none()  # for the schema; requests read through billing.selectors
    serializer_class = CreditNoteOutput

    @extend_schema(
        operation_id="invoices_credit_notes_list",
        tags=["invoices"],
        summary="Credit notes of an invoice",
        description="The credit notes issued on one invoice of your schools, newest first.",
        parameters=[UUID_PATH],
        responses={200: CreditNoteOutput(many=True)},
    )
    def get(self, request, pk):
        invoice = selectors.invoice_get(user=request.user, invoice_id=pk)
        notes = selectors.credit_note_list(user=request.user).filter(invoice=invoice).order_by("-created_at")
        return Response(CreditNoteOutput(notes, many=True).data)

    @extend_schema(
        operation_id="invoices_credit_notes_create",
        tags=["invoices"],
        summary="Issue a credit note",
        description=(
            "Lowers what is owed on the invoice (a beca granted late, a discount, a wrong amount); "
            "immutable, numbered per school (NC-YYYY-NNNNNN). ADMIN only. An invoice whose balance "
            "it brings to zero reads PAID."
        ),
        parameters=[UUID_PATH],
        request=CreditNoteCreateInput,
        responses={
            201: CreditNoteOutput,
            **error_responses(400, 403, 409, descriptions={
                400: "`validation_error`, `invalid_amount`, `invalid_reason`, or "
                "`credit_note_above_balance` (more than is owed on the invoice).",
                403: ADMIN_CORRECTS,
                409: "`invoice_cancelled`.",
            }),
        },
    )
    def post(self, request, pk):
        invoice = selectors.invoice_get(user=request.user, invoice_id=pk)
        require(request.user, Action.MONEY_CORRECT, invoice.school_id)
        data = parse(CreditNoteCreateInput, request.data)
        note = corrections.credit_note_issue(invoice_id=invoice.pk, actor=request.user, **data)
        return Response(CreditNoteOutput(note).data, status=status.HTTP_201_CREATED)


# --- payments -------------------------------------------------------------------------------


class PaymentListApi(_PaymentListing, GenericAPIView):
    """Payments can be listed, read and registered; never changed or deleted (405)."""

    @extend_schema(
        operation_id="payments_list",
        tags=["payments"],
        summary="List payments",
        description="Payments of your schools, newest first.",
        responses={200: PaymentOutput(many=True)},
    )
    def get(self, request):
        return self._page(selectors.payment_list(user=request.user))

    @extend_schema(
        operation_id="payments_create",
        tags=["payments"],
        summary="Register a payment",
        description=(
            "Registers money received against an invoice (ACCOUNTANT or ADMIN). The invoice row is "
            "locked, so concurrent payments can never overpay it. Honours `Idempotency-Key`: a "
            "gateway retrying a timed-out request gets the first receipt, not a second payment."
        ),
        request=PaymentCreateInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: PaymentOutput,
            **error_responses(400, 404, 409, descriptions={
                400: "`validation_error` (with `fields`), `invalid_amount`, or `overpayment` "
                "(the amount exceeds what is pending on the invoice).",
                404: "`invoice_id` is unknown or outside your schools (`not_found`); malformed: 400.",
                409: "`invoice_cancelled`, `invoice_already_paid`, or `idempotency_key_reused`.",
            }),
        },
    )
    def post(self, request):
        return idempotent_response(request, scope="payments.create", perform=lambda: self._create(request))

    def _create(self, request):
        data = parse(PaymentCreateInput, request.data)
        payment = services.payment_record(
            invoice_id=data["invoice_id"],
            amount=data["amount"],
            method=data["method"],
            payment_date=data.get("payment_date"),
            reference=data["reference"],
            actor=request.user,
            checked_for=request.user,  # 404 outside the caller's schools, 403 without the role
        )
        return Response(output_body(PaymentOutput, payment), status=status.HTTP_201_CREATED)


class InvoicePaymentListApi(_PaymentListing, GenericAPIView):
    @extend_schema(
        operation_id="payments_invoice_list",
        tags=["payments"],
        summary="Payments of an invoice",
        description="The payments allocated to one invoice of your schools (its own payments and the "
        "family payments that paid part of it), newest first.",
        parameters=[uuid_path_parameter("invoice_id", "Invoice id.")],
        responses={200: PaymentOutput(many=True)},
    )
    def get(self, request, invoice_id):
        invoice = selectors.invoice_get(user=request.user, invoice_id=invoice_id)
        return self._page(selectors.payment_list(user=request.user).filter(allocations__invoice=invoice))


class PaymentDetailApi(_Single, GenericAPIView):
    """Payments are immutable: PUT, PATCH and DELETE answer 405."""

    queryset = Payment.objects.none()  # for the schema; requests read through billing.selectors
    serializer_class = PaymentOutput

    @extend_schema(
        operation_id="payments_retrieve",
        tags=["payments"],
        summary="Get a payment",
        description="Payments are immutable: there is no update or delete (405).",
        parameters=[UUID_PATH],
        responses={200: PaymentOutput, **error_responses(405)},
    )
    def get(self, request, pk):
        return Response(PaymentOutput(selectors.payment_get(user=request.user, payment_id=pk)).data)


class PaymentAllocationListApi(_Single, GenericAPIView):
    queryset = Payment.objects.none()  # for the schema; requests read through billing.selectors
    serializer_class = AllocationOutput

    @extend_schema(
        operation_id="payments_allocations_list",
        tags=["payments"],
        summary="Allocations of a payment",
        description="Where a payment's money went: one row per invoice, oldest first.",
        parameters=[UUID_PATH],
        responses={200: AllocationOutput(many=True)},
    )
    def get(self, request, pk):
        payment = selectors.payment_get(user=request.user, payment_id=pk)
        return Response(AllocationOutput(selectors.allocation_list(payment=payment), many=True).data)


class PaymentReverseApi(_Single, GenericAPIView):
    queryset = Payment.objects.none()  # for the schema; requests read through billing.selectors
    serializer_class = PaymentOutput

    @extend_schema(
        operation_id="payments_reverse_create",
        tags=["payments"],
        summary="Reverse a payment",
        description=(
            "Takes back a payment that did not really come in (bounced cheque, chargeback, entry "
            "error): its allocations stop counting, its invoices' paid amounts and statuses go back, "
            "and its unallocated part leaves the family's credit. The payment stays, marked reversed; "
            "the reversal is numbered per school (RV-YYYY-NNNNNN). ADMIN only. Collections reports "
            "count the payment on its date and subtract it on the reversal's date."
        ),
        parameters=[UUID_PATH],
        request=PaymentReverseInput,
        responses={
            200: PaymentOutput,
            **error_responses(400, 403, 409, descriptions={
                400: "`validation_error` or `invalid_reversal_date` (before the payment, or in the future).",
                403: ADMIN_CORRECTS,
                409: "`payment_already_reversed`, or `payment_credit_refunded` (part of its credit was "
                "refunded: the family's credit would go negative).",
            }),
        },
    )
    def post(self, request, pk):
        payment = selectors.payment_get(user=request.user, payment_id=pk)
        require(request.user, Action.MONEY_CORRECT, payment.school_id)
        data = parse(PaymentReverseInput, request.data)
        corrections.payment_reverse(payment_id=payment.pk, actor=request.user, **data)
        return Response(PaymentOutput(selectors.payment_get(user=request.user, payment_id=payment.pk)).data)


# --- credit notes ---------------------------------------------------------------------------


class CreditNoteListApi(GenericAPIView):
    """Credit notes are issued on their invoice (`POST /invoices/{id}/credit-notes`), listed here."""

    queryset = CreditNote.objects.none()  # for the schema; requests read through billing.selectors
    serializer_class = CreditNoteOutput
    filter_backends = [DjangoFilterBackend, StrictSearchFilter, StrictOrderingFilter]
    filterset_class = CreditNoteFilter
    search_fields = ["number", "reason", "invoice__number"]
    ordering_fields = ["issue_date", "created_at", "amount", "number"]
    ordering = ["-issue_date", "-number"]

    @extend_schema(
        operation_id="credit_notes_list",
        tags=["credit-notes"],
        summary="List credit notes",
        description="Credit notes of your schools, newest first.",
        responses={200: CreditNoteOutput(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(selectors.credit_note_list(user=request.user)))
        return self.get_paginated_response(CreditNoteOutput(page, many=True).data)


class CreditNoteDetailApi(_Single, GenericAPIView):
    queryset = CreditNote.objects.none()  # for the schema; requests read through billing.selectors
    serializer_class = CreditNoteOutput

    @extend_schema(
        operation_id="credit_notes_retrieve",
        tags=["credit-notes"],
        summary="Get a credit note",
        description="Credit notes are immutable: there is no update or delete.",
        parameters=[UUID_PATH],
        responses={200: CreditNoteOutput},
    )
    def get(self, request, pk):
        note = selectors.credit_note_get(user=request.user, credit_note_id=pk)
        return Response(CreditNoteOutput(note).data)


# --- a student's invoices ------------------------------------------------------------------


class StudentInvoiceFilter(InvoiceFilter):
    # The student comes from the path; the school follows from the student.
    student_id = None
    school_id = None

    class Meta(InvoiceFilter.Meta):
        fields = ["status", "due_date_from", "due_date_to", "overdue"]


class StudentInvoiceListApi(_InvoiceListing, GenericAPIView):
    """A student's invoices, with the status derived today, newest due date first."""

    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = StudentInvoiceFilter
    ordering_fields = ["due_date", "amount", "paid_amount", "number", "created_at"]
    ordering = ["-due_date", "-created_at"]

    @extend_schema(
        operation_id="student_invoices_list",
        tags=["students"],
        parameters=[uuid_path_parameter("student_id", "Student id.")],
        responses={200: InvoiceOutput(many=True)},
    )
    def get(self, request, student_id):
        student = student_get(user=request.user, student_id=student_id)
        return self._page(selectors.invoice_list(user=request.user).filter(student_id=student.pk))
