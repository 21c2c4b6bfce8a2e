from django.urls import re_path

from students.api.views import SchoolStudentListApi, StudentDetailApi, StudentListApi

# `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
# A student's invoices are served by the billing API.
urlpatterns = [
    re_path(r"^students/?$", StudentListApi.as_view(), name="student-list"),
    re_path(r"^students/(?P<student_id>[^/]+)/?$", StudentDetailApi.as_view(), name="student-detail"),
    re_path(
        r"^schools/(?P<school_id>[^/]+)/students/?$", SchoolStudentListApi.as_view(), name="school-students"
    ),
]
