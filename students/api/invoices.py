"""`GET /students/{id}/invoices`: the invoice list of billing, limited to one visible student."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView

from billing.api.filters import InvoiceFilter
from billing.api.serializers import InvoiceOutput
from billing.models import Invoice
from billing.selectors import invoice_list
from core.filters import StrictOrderingFilter
from core.openapi import uuid_path_parameter
from students.selectors import student_get


class StudentInvoiceFilter(InvoiceFilter):
    # The student comes from the path; the school follows from the student.
    student_id = None
    school_id = None

    class Meta(InvoiceFilter.Meta):
        fields = ["status", "due_date_from", "due_date_to", "overdue"]


class StudentInvoiceListApi(GenericAPIView):
    """A student's invoices, with the status derived today, newest due date first."""

    queryset = Invoice.objects.none()  # for the schema; requests read through billing.selectors
    serializer_class = InvoiceOutput
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = StudentInvoiceFilter
    ordering_fields = ["due_date", "amount", "paid_amount", "number", "created_at"]
    ordering = ["-due_date", "-created_at"]

    def get_queryset(self):
        student = student_get(user=self.request.user, student_id=self.kwargs["student_id"])
        return invoice_list(user=self.request.user).filter(student_id=student.pk)

    @extend_schema(
        operation_id="student_invoices_list",
        tags=["students"],
        parameters=[uuid_path_parameter("student_id", "Student id.")],
        responses={200: InvoiceOutput(many=True)},
    )
    def get(self, request, student_id):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(InvoiceOutput(page, many=True).data)
