from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view

from core.api import PagedListApi, update_schemas
from core.filters import StrictOrderingFilter, StrictSearchFilter
from core.openapi import error_responses, uuid_path_parameter
from families.selectors import family_get
from students.api.serializers import StudentCreateInput, StudentOutput, StudentUpdateInput
from students.models import Student
from students.selectors import StudentFilter, student_get, student_list
from students.services import student_create, student_deactivate, student_update
from users.access import Action
from users.api.resources import CachedPages, ResourceDetailApi, ResourceListApi
from users.selectors import school_get

STUDENT_ID = uuid_path_parameter("student_id", "Student id.")
SCHOOL_ID = uuid_path_parameter("school_id", "School id.")
ADMIN_ONLY = {403: "Only the school's ADMINs (and platform admins) write students (`permission_denied`)."}
STUDENT_UPDATE_ERRORS = {**ADMIN_ONLY, 409: "The family is inactive (`family_inactive`)."}


def _check_family_visible(user, data: dict) -> None:
    """A `family_id` outside the caller's schools is a 404, like any id they cannot see."""
    if data.get("family_id") is not None:
        family_get(user=user, family_id=data["family_id"])


class _StudentListing(CachedPages):
    queryset = Student.objects.none()  # for the schema; requests read through students.selectors
    serializer_class = StudentOutput
    filter_backends = [DjangoFilterBackend, StrictSearchFilter, StrictOrderingFilter]
    filterset_class = StudentFilter
    search_fields = ["first_name", "last_name", "email", "curp"]
    ordering_fields = ["last_name", "first_name", "grade", "enrolled_at", "created_at", "updated_at"]
    ordering = ["last_name", "first_name"]
    select = staticmethod(student_list)
    page_namespace = "students.page"


@extend_schema_view(
    get=extend_schema(
        operation_id="students_list", tags=["students"], responses={200: StudentOutput(many=True)}
    ),
    post=extend_schema(
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
    ),
)
class StudentListApi(_StudentListing, ResourceListApi):
    """The students of your schools."""

    create_input = StudentCreateInput
    write_action = Action.STUDENT_WRITE
    creator = staticmethod(student_create)

    def create(self, data, user):
        _check_family_visible(user, data)
        return super().create(data, user)


@extend_schema_view(
    get=extend_schema(
        operation_id="school_students_list",
        tags=["schools"],
        parameters=[SCHOOL_ID],
        responses={200: StudentOutput(many=True)},
    )
)
class SchoolStudentListApi(_StudentListing, PagedListApi):
    """The students of one of your schools."""

    def get_queryset(self):
        school = school_get(user=self.request.user, school_id=self.kwargs["school_id"])
        return student_list(user=self.request.user, school_id=school.pk)


@extend_schema_view(
    get=extend_schema(operation_id="students_retrieve", tags=["students"], parameters=[STUDENT_ID]),
    **update_schemas(
        "students",
        tags=["students"],
        parameters=[STUDENT_ID],
        request=StudentUpdateInput,
        responses={200: StudentOutput, **error_responses(403, 409, descriptions=STUDENT_UPDATE_ERRORS)},
        description="Change a student. Only the fields sent change. The school's ADMINs.",
    ),
    delete=extend_schema(
        operation_id="students_destroy",
        tags=["students"],
        parameters=[STUDENT_ID],
        responses={204: None, **error_responses(403, descriptions=ADMIN_ONLY)},
        description="Soft delete: the student is marked inactive and keeps their invoices and payments.",
    ),
)
class StudentDetailApi(ResourceDetailApi):
    serializer_class = StudentOutput
    update_input = StudentUpdateInput
    write_action = Action.STUDENT_WRITE
    id_name = "student_id"
    getter = staticmethod(student_get)
    updater = staticmethod(student_update)
    deactivator = staticmethod(student_deactivate)

    def update(self, row, data, user):
        _check_family_visible(user, data)
        return super().update(row, data, user)
