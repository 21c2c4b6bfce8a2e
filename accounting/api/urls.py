"""Statements live under the school and student paths; the ids are checked by the views (404)."""

from django.urls import re_path

from accounting.api.views import FamilyStatementApi, SchoolStatementApi, StudentStatementApi

urlpatterns = [
    re_path(r"^schools/(?P<school_id>[^/]+)/statement/?$", SchoolStatementApi.as_view(),
            name="school-statement"),
    re_path(r"^students/(?P<student_id>[^/]+)/statement/?$", StudentStatementApi.as_view(),
            name="student-statement"),
    re_path(r"^families/(?P<family_id>[^/]+)/statement/?$", FamilyStatementApi.as_view(),
            name="family-statement"),
]
