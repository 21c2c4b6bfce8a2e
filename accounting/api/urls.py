"""Statements live under the school and student paths; the ids are checked by the views (404)."""

from django.urls import re_path

from accounting.api.views import SchoolStatementApi, StudentStatementApi

urlpatterns = [
    re_path(r"^schools/(?P<school_id>[^/]+)/statement/?$", SchoolStatementApi.as_view(),
            name="school-statement"),
    re_path(r"^students/(?P<student_id>[^/]+)/statement/?$", StudentStatementApi.as_view(),
            name="student-statement"),
]
