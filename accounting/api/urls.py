"""Statements live under the school and student paths; the ids are checked by the views (404)."""

from accounting.api.views import FamilyStatementApi, SchoolStatementApi, StudentStatementApi
from core.api import route

urlpatterns = [
    route("schools/<school_id>/statement", SchoolStatementApi, "school-statement"),
    route("students/<student_id>/statement", StudentStatementApi, "student-statement"),
    route("families/<family_id>/statement", FamilyStatementApi, "family-statement"),
]
