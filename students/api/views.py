from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from core.api import DetailApi, PagedListApi, parse
from core.filters import StrictOrderingFilter, StrictSearchFilter
from core.openapi import error_responses, uuid_path_parameter
from families.selectors import family_get
from students.api.serializers import StudentCreateInput, StudentOutput, StudentUpdateInput
from students.models import Student
from students.selectors import StudentFilter, student_get, student_list
from students.services import student_create, student_deactivate, student_update
from users.access import Action, require
from users.selectors import school_get

STUDENT_ID = uuid_path_parameter("student_id", "Student id.")
SCHOOL_ID = uuid_path_parameter("school_id", "School id.")
ADMIN_ONLY = {403: "Only the school's ADMINs (and platform admins) write students (`permission_denied`)."}
STUDENT_UPDATE_ERRORS = {**ADMIN_ONLY, 409: "The family is inactive (`family_inactive`)."}


def _check_family_visible(user, data: dict) -> None:
    """A `family_id` outside the caller's schools is a 404, like any id they cannot see."""
    if data.get("family_id") is not None:
        family_get(user=user, family_id=data["family_id"])


class _StudentListApi(PagedListApi):
    queryset = Student.objects.none()  # for the schema; requests read through students.selectors
    serializer_class = StudentOutput
    filter_backends = [DjangoFilterBackend, StrictSearchFilter, StrictOrderingFilter]
    filterset_class = StudentFilter
    search_fields = ["first_name", "last_name", "email", "curp"]
    ordering_fields = ["last_name", "first_name", "grade", "enrolled_at", "created_at", "updated_at"]
    ordering = ["last_name", "first_name"]
    select = staticmethod(student_list)


@extend_schema_view(
    get=extend_schema(
        operation_id="students_list", tags=["students"], responses={200: StudentOutput(many=True)}
    )
)
class StudentListApi(_StudentListApi):
    """The students of your schools."""

    @extend_schema(
        operation_id="students_create",
        tags=["students"],
        request=StudentCreateInput,
        responses={
            201: StudentOutput,
            **error_responses(
                403, 404, 409, descriptions={
                    **ADMIN_ONLY,
                    404: "Unknown `school_id` or `family_id`, or one outside your schools (`not_found`).",
                    409: "The school or the family is inactive (`school_inactive`, `family_inactive`).",
                },
            ),
        },
        description="Enrol a student in one of your schools (its ADMINs). An unknown `school_id`, or one "
        "outside your schools, is a 404.",
    )
    def post(self, request):
        data = parse(StudentCreateInput, request.data)
        school = school_get(user=request.user, school_id=data.pop("school_id"))
        require(request.user, Action.STUDENT_WRITE, school.pk)
        _check_family_visible(request.user, data)
        student = student_create(school_id=school.pk, actor=request.user, **data)
        return Response(StudentOutput(student).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="school_students_list",
        tags=["schools"],
        parameters=[SCHOOL_ID],
        responses={200: StudentOutput(many=True)},
    )
)
class SchoolStudentListApi(_StudentListApi):
    """The students of one of your schools."""

    def get_queryset(self):
        school = school_get(user=self.request.user, school_id=self.kwargs["school_id"])
        return student_list(user=self.request.user, school_id=school.pk)


@extend_schema_view(
    get=extend_schema(operation_id="students_retrieve", tags=["students"], parameters=[STUDENT_ID])
)
class StudentDetailApi(DetailApi):
    serializer_class = StudentOutput
    getter = staticmethod(student_get)

    @extend_schema(
        operation_id="students_update",
        tags=["students"],
        parameters=[STUDENT_ID],
        request=StudentUpdateInput,
        responses={200: StudentOutput, **error_responses(403, 409, descriptions=STUDENT_UPDATE_ERRORS)},
        description="Change a student. Only the fields sent change. The school's ADMINs.",
    )
    def put(self, request, student_id):
        student = student_get(user=request.user, student_id=student_id)
        require(request.user, Action.STUDENT_WRITE, student.school_id)
        data = parse(StudentUpdateInput, request.data)
        _check_family_visible(request.user, data)
        student = student_update(student_id=student.pk, actor=request.user, **data)
        return Response(StudentOutput(student).data)

    @extend_schema(
        operation_id="students_partial_update",
        tags=["students"],
        parameters=[STUDENT_ID],
        request=StudentUpdateInput,
        responses={200: StudentOutput, **error_responses(403, 409, descriptions=STUDENT_UPDATE_ERRORS)},
        description="Same as PUT: only the fields sent change.",
    )
    def patch(self, request, student_id):
        return self.put(request, student_id)

    @extend_schema(
        operation_id="students_destroy",
        tags=["students"],
        parameters=[STUDENT_ID],
        responses={204: None, **error_responses(403, descriptions=ADMIN_ONLY)},
        description="Soft delete: the student is marked inactive and keeps their invoices and payments.",
    )
    def delete(self, request, student_id):
        student = student_get(user=request.user, student_id=student_id)
        require(request.user, Action.STUDENT_WRITE, student.school_id)
        student_deactivate(student_id=student.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
