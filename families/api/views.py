from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view

from billing.selectors import family_credit_expression
from core.api import PagedListApi, update_schemas
from core.filters import StrictOrderingFilter, StrictSearchFilter
from core.openapi import error_responses, uuid_path_parameter
from families.api.serializers import FamilyCreateInput, FamilyOutput, FamilyUpdateInput
from families.models import Family
from families.selectors import FamilyFilter, family_get, family_list
from families.services import family_create, family_deactivate, family_update
from students.api.serializers import StudentOutput
from students.models import Student
from students.selectors import StudentFilter, student_list
from users.access import Action
from users.api.resources import ResourceDetailApi, ResourceListApi

FAMILY_ID = uuid_path_parameter("family_id", "Family id.")
ADMIN_ONLY = {403: "Only the school's ADMINs (and platform admins) write families (`permission_denied`)."}


@extend_schema_view(
    get=extend_schema(
        operation_id="families_list", tags=["families"], responses={200: FamilyOutput(many=True)},
        description="`search` looks in the payer's name, email, payment reference and RFC.",
    ),
    post=extend_schema(
        operation_id="families_create",
        tags=["families"],
        request=FamilyCreateInput,
        responses={
            201: FamilyOutput,
            **error_responses(
                403, 404, 409, descriptions={**ADMIN_ONLY, 409: "The school is inactive (`school_inactive`)."}
            ),
        },
        description="Register a paying family (its school's ADMINs). The payment reference is assigned. "
        "An invalid RFC, tax regime, CFDI use or postal code is a 400 naming the field.",
    ),
)
class FamilyListApi(ResourceListApi):
    """The paying families of your schools."""

    queryset = Family.objects.none()  # for the schema; requests read through families.selectors
    serializer_class = FamilyOutput
    filter_backends = [DjangoFilterBackend, StrictSearchFilter, StrictOrderingFilter]
    filterset_class = FamilyFilter
    search_fields = ["name", "email", "reference", "rfc"]
    ordering_fields = ["name", "reference", "created_at", "updated_at"]
    ordering = ["name"]
    create_input = FamilyCreateInput
    write_action = Action.FAMILY_WRITE
    creator = staticmethod(family_create)

    def get_queryset(self):
        return family_list(user=self.request.user).annotate(credit_value=family_credit_expression())


@extend_schema_view(
    get=extend_schema(operation_id="families_retrieve", tags=["families"], parameters=[FAMILY_ID]),
    **update_schemas(
        "families",
        tags=["families"],
        parameters=[FAMILY_ID],
        request=FamilyUpdateInput,
        responses={200: FamilyOutput, **error_responses(403, descriptions=ADMIN_ONLY)},
        description="Change a family's contact or fiscal data. Only the fields sent change. The school's "
        "ADMINs. The payment reference never changes.",
    ),
    delete=extend_schema(
        operation_id="families_destroy",
        tags=["families"],
        parameters=[FAMILY_ID],
        responses={204: None, **error_responses(403, descriptions=ADMIN_ONLY)},
        description="Soft delete: the family is marked inactive and keeps its students, payments and "
        "reference (never given to another family).",
    ),
)
class FamilyDetailApi(ResourceDetailApi):
    serializer_class = FamilyOutput
    update_input = FamilyUpdateInput
    write_action = Action.FAMILY_WRITE
    id_name = "family_id"
    getter = staticmethod(family_get)
    updater = staticmethod(family_update)
    deactivator = staticmethod(family_deactivate)


class FamilyStudentFilter(StudentFilter):
    # The family (and so the school) comes from the path.
    school_id = None
    family_id = None

    class Meta(StudentFilter.Meta):
        fields = ["grade", "level", "is_active"]


@extend_schema_view(
    get=extend_schema(
        operation_id="family_students_list", tags=["families"], parameters=[FAMILY_ID],
        responses={200: StudentOutput(many=True)},
    )
)
class FamilyStudentListApi(PagedListApi):
    """The students of one family (its children), active or not."""

    queryset = Student.objects.none()
    serializer_class = StudentOutput
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = FamilyStudentFilter
    ordering_fields = ["last_name", "first_name", "grade", "enrolled_at", "created_at"]
    ordering = ["last_name", "first_name"]

    def get_queryset(self):
        family = family_get(user=self.request.user, family_id=self.kwargs["family_id"])
        return student_list(user=self.request.user).filter(family_id=family.pk)
