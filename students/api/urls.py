from core.api import route
from students.api.views import SchoolStudentListApi, StudentDetailApi, StudentListApi

# A student's invoices are served by the billing API.
urlpatterns = [
    route("students", StudentListApi, "student-list"),
    route("students/<student_id>", StudentDetailApi, "student-detail"),
    route("schools/<school_id>/students", SchoolStudentListApi, "school-students"),
]
