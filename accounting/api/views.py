"""Account statements: parse the period -> find the student or school in the caller's scope ->
selector (cached, versioned per school) -> render through the statement's serializer."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounting.api.serializers import (
    MAX_PAGE_SIZE,
    FamilyStatementOutput,
    SchoolStatementOutput,
    SchoolStatementQuery,
    StatementQuery,
    StudentStatementOutput,
    query_data,
)
from accounting.documents import (
    family_statement_filename,
    family_statement_pdf,
    statement_filename,
    student_statement_pdf,
)
from accounting.family_statement import family_statement_get, statement_family_get
from accounting.selectors import (
    Period,
    school_statement_get,
    statement_student_get,
    student_statement_get,
)
from core.api import parse
from core.openapi import uuid_path_parameter
from core.pagination import page_links
from core.pdf import (
    FORMAT_PARAMETER,
    PDF_MEDIA_TYPE,
    PDF_UNAVAILABLE_RESPONSE,
    PdfRenderer,
    PdfViewMixin,
    pdf_api_response,
)
from core.renderers import JSONRenderer
from users.selectors import school_get

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False,
        description="First due date of the period (YYYY-MM-DD). Without it, from the first invoice.",
    ),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False,
        description="Last due date of the period (YYYY-MM-DD), on or after `from`. Without it, every "
        "later invoice, upcoming ones included.",
    ),
]

STUDENT_EXAMPLE = {
    "student_id": "3f1c6a52-7f0e-4a55-9a3e-0c2a1d7b9e11",
    "student_name": "Juan Perez",
    "school_id": "9b2e4c10-1d2f-4e8a-bb7c-5a6d7e8f9012",
    "school_name": "Colegio San Jose",
    "period": {"from": "2024-01-01", "to": "2024-12-31"},
    "summary": {"total_invoiced": 1000.00, "total_paid": 700.00, "total_pending": 300.00,
                "total_overdue": 0.00},
    "opening_balance": 0.00,
    "closing_balance": 300.00,
    "invoices": [
        {"id": "5d0b1e2a-0a4b-4c3d-8e9f-1a2b3c4d5e6f", "number": "2024-000031",
         "description": "Mensualidad Marzo 2024", "amount": 500.00, "paid_amount": 500.00,
         "pending_amount": 0.00, "status": "PAID", "due_date": "2024-03-15",
         "payments": [{"id": "7e8f9a0b-1c2d-4e3f-9a5b-6c7d8e9f0a1b", "number": "2024-000019",
                       "amount": 500.00, "date": "2024-03-10", "method": "BANK_TRANSFER",
                       "reference": "SPEI 8812"}]},
        {"id": "6e1c2f3b-1b5c-4d4e-9f0a-2b3c4d5e6f70", "number": "2024-000044",
         "description": "Mensualidad Abril 2024", "amount": 500.00, "paid_amount": 200.00,
         "pending_amount": 300.00, "status": "PARTIAL", "due_date": "2024-04-15",
         "payments": [{"id": "8f9a0b1c-2d3e-4f5a-8b6c-7d8e9f0a1b2c", "number": "2024-000027",
                       "amount": 200.00, "date": "2024-04-02", "method": "CASH", "reference": ""}]},
    ],
    "movements": [
        {"date": "2024-03-10", "type": "PAYMENT", "invoice_id": "5d0b1e2a-0a4b-4c3d-8e9f-1a2b3c4d5e6f",
         "invoice_number": "2024-000031", "payment_id": "7e8f9a0b-1c2d-4e3f-9a5b-6c7d8e9f0a1b",
         "payment_number": "2024-000019", "description": "BANK_TRANSFER", "charge": 0.00,
         "credit": 500.00, "balance": -500.00},
        {"date": "2024-03-15", "type": "CHARGE", "invoice_id": "5d0b1e2a-0a4b-4c3d-8e9f-1a2b3c4d5e6f",
         "invoice_number": "2024-000031", "payment_id": None, "payment_number": None,
         "description": "Mensualidad Marzo 2024", "charge": 500.00, "credit": 0.00, "balance": 0.00},
        {"date": "2024-04-02", "type": "PAYMENT", "invoice_id": "6e1c2f3b-1b5c-4d4e-9f0a-2b3c4d5e6f70",
         "invoice_number": "2024-000044", "payment_id": "8f9a0b1c-2d3e-4f5a-8b6c-7d8e9f0a1b2c",
         "payment_number": "2024-000027", "description": "CASH", "charge": 0.00, "credit": 200.00,
         "balance": -200.00},
        {"date": "2024-04-15", "type": "CHARGE", "invoice_id": "6e1c2f3b-1b5c-4d4e-9f0a-2b3c4d5e6f70",
         "invoice_number": "2024-000044", "payment_id": None, "payment_number": None,
         "description": "Mensualidad Abril 2024", "charge": 500.00, "credit": 0.00, "balance": 300.00},
    ],
    "generated_at": "2024-04-20T10:30:00Z",
}

SCHOOL_EXAMPLE = {
    "school_id": "9b2e4c10-1d2f-4e8a-bb7c-5a6d7e8f9012",
    "school_name": "Colegio San Jose",
    "period": {"from": "2024-01-01", "to": "2024-12-31"},
    "summary": {"total_students": 150, "active_students": 145, "total_invoiced": 50000.00,
                "total_paid": 35000.00, "total_pending": 15000.00, "total_overdue": 5000.00},
    "opening_balance": 1200.00,
    "closing_balance": 16200.00,
    "invoices": [
        {"id": "5d0b1e2a-0a4b-4c3d-8e9f-1a2b3c4d5e6f", "number": "2024-000031",
         "student_id": "3f1c6a52-7f0e-4a55-9a3e-0c2a1d7b9e11", "student_name": "Juan Perez",
         "description": "Mensualidad Marzo 2024", "amount": 500.00, "paid_amount": 200.00,
         "pending_amount": 300.00, "status": "PARTIAL", "due_date": "2024-03-15"},
    ],
    "invoices_page": {"count": 100, "page": 1, "page_size": 20, "num_pages": 5,
                      "next": "https://api.example.com/api/v1/schools/9b2e4c10-1d2f-4e8a-bb7c-5a6d7e8f9012"
                              "/statement?from=2024-01-01&page=2&to=2024-12-31",
                      "previous": None},
    "movements": [
        {"date": "2024-03-10", "charges": 0.00, "credits": 1500.00, "invoices": 0, "payments": 3,
         "balance": -300.00},
        {"date": "2024-03-15", "charges": 25000.00, "credits": 0.00, "invoices": 50, "payments": 0,
         "balance": 24700.00},
    ],
    "generated_at": "2024-03-20T10:30:00Z",
}


class StudentStatementApi(PdfViewMixin, APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="students_statement",
        summary="Student account statement",
        description=(
            "What the student was charged and paid: summary (cancelled invoices count in no total; "
            "`total_overdue` is derived with today's date), the period's invoices with their payments, "
            "and bank-statement movements with opening and closing balances. Read right after a "
            "payment, it shows the payment. `?format=pdf` (or `Accept: application/pdf`) answers "
            "the printable statement as a PDF, the same page as the admin's print view."
        ),
        tags=["students"],
        parameters=[
            uuid_path_parameter("student_id", "Student id."),
            *PERIOD_PARAMETERS,
            FORMAT_PARAMETER,
        ],
        responses={
            (200, "application/json"): StudentStatementOutput,
            (200, PDF_MEDIA_TYPE): OpenApiTypes.BINARY,
            **PDF_UNAVAILABLE_RESPONSE,
        },
        examples=[OpenApiExample("Student statement", value=STUDENT_EXAMPLE, response_only=True)],
    )
    def get(self, request, student_id):
        query = parse(StatementQuery, query_data(request, ("from", "to")))
        student = statement_student_get(user=request.user, student_id=student_id)
        period = Period(query.get("from"), query.get("to"))
        if self.wants_pdf(request):
            return pdf_api_response(student_statement_pdf(student, period=period, request=request),
                                    filename=statement_filename(student))
        return Response(StudentStatementOutput(student_statement_get(student=student, period=period)).data)


class SchoolStatementApi(APIView):
    @extend_schema(
        operation_id="schools_statement",
        summary="School account statement",
        description=(
            "The school's totals for the period (students, invoiced, paid, pending, overdue), one "
            "page of the period's invoices (`page`, `page_size`; links in `invoices_page`) and daily "
            "movements with opening and closing balances. The summary and movements always cover "
            "the whole period, whatever page is shown."
        ),
        tags=["schools"],
        parameters=[
            uuid_path_parameter("school_id", "School id."),
            *PERIOD_PARAMETERS,
            OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                             description="Page of the invoice list, from 1."),
            OpenApiParameter("page_size", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                             description=f"Invoices per page (default 20, at most {MAX_PAGE_SIZE})."),
        ],
        responses={200: SchoolStatementOutput},
        examples=[OpenApiExample("School statement", value=SCHOOL_EXAMPLE, response_only=True)],
    )
    def get(self, request, school_id):
        query = parse(SchoolStatementQuery, query_data(request, ("from", "to", "page", "page_size")))
        school = school_get(user=request.user, school_id=school_id)
        statement = school_statement_get(
            school=school,
            period=Period(query.get("from"), query.get("to")),
            page=query["page"],
            page_size=query["page_size"],
        )
        page = statement["invoices_page"]
        # The links are built per request: the cached statement has none.
        links = page_links(request, number=page["page"], has_next=page["page"] < page["num_pages"])
        return Response(SchoolStatementOutput({**statement, "invoices_page": {**page, **links}}).data)


class FamilyStatementApi(PdfViewMixin, APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="families_statement",
        summary="Family account statement",
        description=(
            "Every child's invoices and every movement of the family's money (charges, payments with "
            "their allocations, credit notes, reversals, refunds) with a running balance of what the "
            "family owes; opening and closing balance of the period (negative: the family is in "
            "credit) and its credit balance now. `?format=pdf` (or `Accept: application/pdf`) answers "
            "the printable family statement as a PDF, the same page as the admin's print view."
        ),
        tags=["families"],
        parameters=[uuid_path_parameter("family_id", "Family id."), *PERIOD_PARAMETERS, FORMAT_PARAMETER],
        responses={
            (200, "application/json"): FamilyStatementOutput,
            (200, PDF_MEDIA_TYPE): OpenApiTypes.BINARY,
            **PDF_UNAVAILABLE_RESPONSE,
        },
    )
    def get(self, request, family_id):
        period_data = parse(StatementQuery, query_data(request, ("from", "to")))
        family = statement_family_get(user=request.user, family_id=family_id)
        period = Period(date_from=period_data.get("from"), date_to=period_data.get("to"))
        if self.wants_pdf(request):
            return pdf_api_response(family_statement_pdf(family, period=period, request=request),
                                    filename=family_statement_filename(family))
        return Response(FamilyStatementOutput(family_statement_get(family=family, period=period)).data)
