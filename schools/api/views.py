from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api import DetailApi, PagedListApi, parse, update_schemas
from core.openapi import error_responses, uuid_path_parameter
from schools.api.filters import SchoolFilter
from schools.api.serializers import SchoolCreateInput, SchoolOutput, SchoolUpdateInput
from schools.models import School
from schools.services import school_create, school_deactivate, school_update
from users.access import Action, require
from users.api.resources import CachedPages
from users.selectors import school_get, school_list

SCHOOL_ID = uuid_path_parameter("school_id", "School id.")
PLATFORM_ADMIN_ONLY = {403: "Only platform admins may do this (`permission_denied`)."}


def _require_platform_admin(user, message: str) -> None:
    if not user.is_superuser:
        raise PermissionDenied(message)


@extend_schema_view(
    get=extend_schema(operation_id="schools_list", tags=["schools"], responses={200: SchoolOutput(many=True)})
)
class SchoolListApi(CachedPages, PagedListApi):
    """The caller's schools (every school for a platform admin)."""

    queryset = School.objects.none()  # for the schema; requests read through users.selectors
    serializer_class = SchoolOutput
    filterset_class = SchoolFilter
    search_fields = ["name", "email"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]
    select = staticmethod(school_list)
    page_namespace = "schools.page"

    @extend_schema(
        operation_id="schools_create",
        tags=["schools"],
        request=SchoolCreateInput,
        responses={201: SchoolOutput, **error_responses(403, descriptions=PLATFORM_ADMIN_ONLY)},
        description="Register a school. Platform admins only.",
    )
    def post(self, request):
        _require_platform_admin(request.user, gettext_lazy("Only platform admins can create schools."))
        data = parse(SchoolCreateInput, request.data)
        school = school_create(**data, actor=request.user)
        return Response(SchoolOutput(school).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(operation_id="schools_retrieve", tags=["schools"], parameters=[SCHOOL_ID]),
    **update_schemas(
        "schools",
        tags=["schools"],
        parameters=[SCHOOL_ID],
        request=SchoolUpdateInput,
        responses={
            200: SchoolOutput,
            **error_responses(403, descriptions={403: "Only this school's ADMINs and platform admins."}),
        },
        description="Change a school. Only the fields sent change. The school's ADMINs and platform admins.",
    ),
)
class SchoolDetailApi(DetailApi):
    serializer_class = SchoolOutput
    getter = staticmethod(school_get)

    def put(self, request, school_id):
        school = school_get(user=request.user, school_id=school_id)
        require(request.user, Action.SCHOOL_EDIT, school.pk)
        data = parse(SchoolUpdateInput, request.data)
        if "is_active" in data and data["is_active"] != school.is_active:
            _require_platform_admin(
                request.user, gettext_lazy("Only platform admins change whether a school is active.")
            )
        school = school_update(school_id=school.pk, actor=request.user, **data)
        return Response(SchoolOutput(school).data)

    def patch(self, request, school_id):
        return self.put(request, school_id)

    @extend_schema(
        operation_id="schools_destroy",
        tags=["schools"],
        parameters=[SCHOOL_ID],
        responses={204: None, **error_responses(403, descriptions=PLATFORM_ADMIN_ONLY)},
        description="Soft delete: the school is marked inactive and keeps its students and invoices. "
        "Platform admins only.",
    )
    def delete(self, request, school_id):
        school = school_get(user=request.user, school_id=school_id)
        _require_platform_admin(request.user, gettext_lazy("Only platform admins can delete schools."))
        school_deactivate(school_id=school.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
