from django.urls import re_path

from students.api.invoices import StudentInvoiceListApi
from students.api.views import StudentDetailApi, StudentListApi

# `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
urlpatterns = [
    re_path(r"^students/?$", StudentListApi.as_view(), name="student-list"),
    re_path(r"^students/(?P<student_id>[^/]+)/?$", StudentDetailApi.as_view(), name="student-detail"),
    re_path(
        r"^students/(?P<student_id>[^/]+)/invoices/?$",
        StudentInvoiceListApi.as_view(),
        name="student-invoices",
    ),
]
