"""Fiscal profiles and CFDI documents: parse -> scope and role -> service -> serialize."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors as billing_selectors
from cfdi import selectors, services
from cfdi.api.serializers import DocumentCancelInput, DocumentOutput, FiscalProfileInput, FiscalProfileOutput
from cfdi.documents import document_pdf
from cfdi.exceptions import DocumentNotStamped
from cfdi.models import Document, DocumentStatus
from core.api import DetailApi, PagedListApi, parse
from core.openapi import ErrorSerializer, error_responses, uuid_path_parameter
from core.pdf import PDF_MEDIA_TYPE, PDF_UNAVAILABLE_RESPONSE, PdfRenderer, PdfViewMixin, pdf_api_response
from core.renderers import JSONRenderer
from users.access import Action, require
from users.selectors import school_get

TAGS = ["cfdi"]
DOCUMENT_ID = uuid_path_parameter("document_id", "CFDI document id.")
XML_MEDIA_TYPE = "application/xml"


class FiscalProfileApi(GenericAPIView):
    """A school's fiscal profile: who it is for SAT and its CSD (the key and its password never leave)."""

    serializer_class = FiscalProfileOutput
    filter_backends: list = []

    @extend_schema(
        operation_id="schools_fiscal_profile_retrieve",
        tags=TAGS,
        parameters=[uuid_path_parameter("school_id", "School id.")],
        responses={
            200: FiscalProfileOutput,
            **error_responses(
                404,
                descriptions={
                    404: "Unknown school, outside your schools, or no fiscal profile yet (`not_found`)."
                },
            ),
        },
    )
    def get(self, request, school_id):
        school = school_get(user=request.user, school_id=school_id)
        return Response(FiscalProfileOutput(selectors.fiscal_profile_get(school=school)).data)

    @extend_schema(
        operation_id="schools_fiscal_profile_update",
        tags=TAGS,
        parameters=[uuid_path_parameter("school_id", "School id.")],
        request=FiscalProfileInput,
        responses={
            200: FiscalProfileOutput,
            **error_responses(
                400,
                403,
                409,
                descriptions={
                    400: "`validation_error` (a field: RFC, regime, postal code, RVOE levels) or "
                    "`csd_invalid` "
                    "(certificate/key unreadable, not matching, another RFC's, expired).",
                    403: "Only the school's ADMIN (`permission_denied`).",
                    409: "`csd_password_missing`: the environment variable named in `key_password_env` "
                    "is not set "
                    "on the server.",
                },
            ),
        },
        description=(
            "Create or replace the school's fiscal profile (ADMIN). The CSD's certificate and key travel "
            "as base64 and are required the first time; afterwards the stored ones are kept unless both "
            "are sent. The key's password is read from the server's environment, never sent."
        ),
    )
    def put(self, request, school_id):
        school = school_get(user=request.user, school_id=school_id)
        require(request.user, Action.SCHOOL_EDIT, school.pk)
        data = parse(FiscalProfileInput, request.data)
        profile = services.fiscal_profile_put(school_id=school.pk, actor=request.user, **data)
        return Response(FiscalProfileOutput(profile).data)


class InvoiceCfdiIssueApi(APIView):
    @extend_schema(
        operation_id="invoices_cfdi_issue",
        tags=TAGS,
        parameters=[uuid_path_parameter("invoice_id", "Invoice id.")],
        request=None,
        responses={
            201: DocumentOutput,
            **error_responses(
                400,
                403,
                409,
                descriptions={
                    400: "The data cannot make a valid CFDI: `fiscal_data_incomplete` (the family's RFC "
                    "without legal name, regime or postal code; a colegiatura's student without CURP or "
                    "level; no RVOE for the level; names in `fields`), `cfdi_invalid` (SAT's XSD refuses "
                    "it), `csd_invalid`.",
                    403: "ACCOUNTANT or ADMIN (`permission_denied`).",
                    409: "`invoice_not_issuable` (cancelled invoice), `fiscal_profile_missing`, "
                    "`cfdi_already_issued` (a draft or stamped CFDI exists), `csd_password_missing`.",
                },
            ),
        },
        description=(
            "Issue the invoice's CFDI 4.0: the family's fiscal data as receiver (público en general "
            "without an RFC), one VAT-exempt concept per line, the IEDU complement on colegiaturas, PUE "
            "when the invoice is already paid in full and PPD otherwise. The XML is sealed and validated "
            "here; stamping by the PAC is a background job: the answer is the document as it stands "
            "(DRAFT until stamped; STAMPED at once when jobs run inline; FAILED with the PAC's reason)."
        ),
    )
    def post(self, request, invoice_id):
        invoice = billing_selectors.invoice_get(user=request.user, invoice_id=invoice_id)
        require(request.user, Action.INVOICE_CREATE, invoice.school_id)
        document = services.document_issue(invoice_id=invoice.pk, actor=request.user)
        document.refresh_from_db()
        return Response(DocumentOutput(document).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="cfdi_documents_list", tags=TAGS, responses={200: DocumentOutput(many=True)}
    )
)
class DocumentListApi(PagedListApi):
    """The CFDI documents of your schools (invoice CFDIs and payment complements)."""

    queryset = Document.objects.none()
    serializer_class = DocumentOutput
    filterset_class = selectors.DocumentFilter
    search_fields = ["uuid", "folio", "receiver_rfc", "receiver_name"]
    ordering_fields = ["created_at", "stamped_at", "folio"]
    ordering = ["-created_at"]
    select = staticmethod(selectors.document_list)


@extend_schema_view(
    get=extend_schema(operation_id="cfdi_documents_retrieve", tags=TAGS, parameters=[DOCUMENT_ID])
)
class DocumentDetailApi(DetailApi):
    serializer_class = DocumentOutput
    getter = staticmethod(selectors.document_get)


class XmlRenderer(BaseRenderer):
    media_type = XML_MEDIA_TYPE
    format = "xml"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class DocumentXmlApi(APIView):
    renderer_classes = [JSONRenderer, XmlRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are dicts: they leave as JSON whatever was asked for.
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and isinstance(response.accepted_renderer, XmlRenderer):
            response.accepted_renderer, response.accepted_media_type = JSONRenderer(), "application/json"
        return response

    @extend_schema(
        operation_id="cfdi_documents_xml",
        tags=TAGS,
        parameters=[DOCUMENT_ID],
        responses={
            (200, XML_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The CFDI's XML."),
            (409, "application/json"): OpenApiResponse(
                response=ErrorSerializer, description="`cfdi_not_stamped`: no XML was built for it."
            ),
        },
        description="The stamped XML (the sealed one sent to the PAC while DRAFT or FAILED), as a download.",
    )
    def get(self, request, document_id):
        document = selectors.document_get(user=request.user, document_id=document_id, with_xml=True)
        if not document.xml:
            raise DocumentNotStamped()
        response = HttpResponse(bytes(document.xml), content_type=XML_MEDIA_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{document.filename_stem}.xml"'
        return response


class DocumentPdfApi(PdfViewMixin, APIView):
    renderer_classes = [PdfRenderer]

    @extend_schema(
        operation_id="cfdi_documents_pdf",
        tags=TAGS,
        parameters=[DOCUMENT_ID],
        responses={
            (200, PDF_MEDIA_TYPE): OpenApiTypes.BINARY,
            **PDF_UNAVAILABLE_RESPONSE,
            (409, "application/json"): OpenApiResponse(
                response=ErrorSerializer, description="`cfdi_not_stamped`: only a stamped CFDI has a PDF."
            ),
        },
        description="The printed representation of a stamped (or cancelled) CFDI. Errors answer JSON.",
    )
    def get(self, request, document_id):
        document = selectors.document_get(user=request.user, document_id=document_id, with_xml=True)
        if document.status not in (DocumentStatus.STAMPED, DocumentStatus.CANCELLED):
            raise DocumentNotStamped()
        return pdf_api_response(document_pdf(document), filename=f"{document.filename_stem}.pdf")


class DocumentCancelApi(APIView):
    @extend_schema(
        operation_id="cfdi_documents_cancel",
        tags=TAGS,
        parameters=[DOCUMENT_ID],
        request=DocumentCancelInput,
        responses={
            200: DocumentOutput,
            **error_responses(
                400,
                403,
                409,
                descriptions={
                    400: "`validation_error` (reason not 01-04) or `replacement_required` (01 without "
                    "the UUID "
                    "of a stamped CFDI of this school, or a UUID with another reason).",
                    403: "Only the school's ADMIN (`permission_denied`).",
                    409: "`cfdi_not_cancellable` (not stamped, or already cancelled), "
                    "`cfdi_has_payment_complements`, "
                    "`pac_refused` (with the PAC's code and reason).",
                },
            ),
            503: OpenApiResponse(
                response=ErrorSerializer,
                description="`pac_unavailable`: the PAC did not answer; nothing changed.",
            ),
        },
        description=(
            "Cancel a stamped CFDI with SAT's reason code (ADMIN). Nothing changes unless the PAC accepts."
        ),
    )
    def post(self, request, document_id):
        document = selectors.document_get(user=request.user, document_id=document_id)
        require(request.user, Action.INVOICE_CANCEL, document.school_id)
        data = parse(DocumentCancelInput, request.data)
        document = services.document_cancel(document_id=document.pk, actor=request.user, **data)
        return Response(DocumentOutput(document).data)
