"""Fee setup endpoints: parse → scope and role check → service or selector → serialize.

Every resource reads like students: a paginated, filtered list of the caller's schools; POST,
PUT/PATCH (only the fields sent change) and DELETE (soft: the row is deactivated) for the
school's ADMINs. A parent id in a body outside the caller's schools is a 404.
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import parse
from core.filters import StrictOrderingFilter
from core.openapi import error_responses, uuid_path_parameter
from families.selectors import family_get
from fees import selectors, services
from fees.api import serializers as s
from fees.models import Discount, Enrollment, FeePlan, LateFeePolicy, SchoolYear
from students.selectors import student_get
from users.access import Action, require
from users.selectors import school_get

ID = uuid_path_parameter("id")
ADMIN_ONLY = "Only the school's ADMINs (and platform admins) change the fee setup (`permission_denied`)."


class _ListCreateApi(GenericAPIView):
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at"]
    output: type
    create_input: type

    def get_queryset(self):
        return type(self).select(user=self.request.user)

    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.output(page, many=True).data)

    def post(self, request):
        data = dict(parse(self.create_input, request.data))
        school_id = self.resolve(request.user, data)
        require(request.user, Action.FEES_WRITE, school_id)
        row = self.create(data, request.user)
        return Response(self.output(self.reread(row)).data, status=status.HTTP_201_CREATED)

    def reread(self, row):
        return row


class _DetailApi(GenericAPIView):
    filter_backends: list = []
    output: type
    update_input: type

    def get(self, request, pk):
        return Response(self.output(self.fetch(request.user, pk)).data)

    def put(self, request, pk):
        row = self.fetch(request.user, pk)
        require(request.user, Action.FEES_WRITE, row.school_id)
        data = dict(parse(self.update_input, request.data))
        row = self.update(row, data, request.user)
        return Response(self.output(self.fetch(request.user, row.pk)).data)

    def patch(self, request, pk):
        return self.put(request, pk)

    def delete(self, request, pk):
        row = self.fetch(request.user, pk)
        require(request.user, Action.FEES_WRITE, row.school_id)
        self.deactivate(row, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _crud_schema(tag: str, noun: str, output, create_input, update_input, conflicts: str):
    """The OpenAPI description of a list/create view and a detail view of one resource."""
    write_errors = error_responses(403, 409, descriptions={403: ADMIN_ONLY, 409: conflicts})
    list_view = extend_schema_view(
        get=extend_schema(operation_id=f"{tag}_list", tags=["fees"], responses={200: output(many=True)},
                          description=f"The {noun}s of your schools."),
        post=extend_schema(
            operation_id=f"{tag}_create", tags=["fees"], request=create_input,
            responses={201: output, **write_errors, **error_responses(
                404, descriptions={404: "An id in the body is unknown or outside your schools (`not_found`)."}
            )},
            description=f"Create a {noun} (the school's ADMINs). A parent id outside your schools is a 404.",
        ),
    )
    detail_view = extend_schema_view(
        get=extend_schema(
            operation_id=f"{tag}_retrieve", tags=["fees"], parameters=[ID], responses={200: output}
        ),
        put=extend_schema(
            operation_id=f"{tag}_update", tags=["fees"], parameters=[ID], request=update_input,
            responses={200: output, **write_errors}, description="Only the fields sent change.",
        ),
        patch=extend_schema(
            operation_id=f"{tag}_partial_update", tags=["fees"], parameters=[ID], request=update_input,
            responses={200: output, **write_errors}, description="Same as PUT: only the fields sent change.",
        ),
        delete=extend_schema(
            operation_id=f"{tag}_destroy", tags=["fees"], parameters=[ID],
            responses={204: None, **error_responses(403, descriptions={403: ADMIN_ONLY})},
            description="Soft delete: the row is deactivated (`is_active` false); what it issued stays.",
        ),
    )
    return list_view, detail_view


# --- school years ---------------------------------------------------------------------------

_year_list, _year_detail = _crud_schema(
    "school_years", "school year", s.SchoolYearOutput, s.SchoolYearCreateInput, s.SchoolYearUpdateInput,
    "The school is inactive (`school_inactive`) or the name is taken (`duplicate_name`).",
)


@_year_list
class SchoolYearListApi(_ListCreateApi):
    queryset = SchoolYear.objects.none()  # for the schema; requests read through fees.selectors
    serializer_class = output = s.SchoolYearOutput
    create_input = s.SchoolYearCreateInput
    filterset_class = selectors.SchoolYearFilter
    ordering_fields = ["starts_on", "name", "created_at"]
    ordering = ["-starts_on"]
    select = staticmethod(selectors.school_year_list)

    def resolve(self, user, data):
        school = school_get(user=user, school_id=data.pop("school_id"))
        data["school_id"] = school.pk
        return school.pk

    def create(self, data, user):
        return services.school_year_create(actor=user, **data)


@_year_detail
class SchoolYearDetailApi(_DetailApi):
    serializer_class = output = s.SchoolYearOutput
    update_input = s.SchoolYearUpdateInput

    def fetch(self, user, pk):
        return selectors.school_year_get(user=user, school_year_id=pk)

    def update(self, row, data, user):
        return services.school_year_update(school_year_id=row.pk, actor=user, **data)

    def deactivate(self, row, user):
        services.school_year_deactivate(school_year_id=row.pk, actor=user)


# --- fee plans ------------------------------------------------------------------------------

_plan_list, _plan_detail = _crud_schema(
    "fee_plans", "fee plan", s.FeePlanOutput, s.FeePlanCreateInput, s.FeePlanUpdateInput,
    "The school year is inactive (`fee_setup_inactive`) or the name is taken (`duplicate_name`).",
)


@_plan_list
class FeePlanListApi(_ListCreateApi):
    queryset = FeePlan.objects.none()
    serializer_class = output = s.FeePlanOutput
    create_input = s.FeePlanCreateInput
    filterset_class = selectors.FeePlanFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    select = staticmethod(selectors.fee_plan_list)

    def resolve(self, user, data):
        year = selectors.school_year_get(user=user, school_year_id=data.pop("school_year_id"))
        data["school_year_id"] = year.pk
        return year.school_id

    def create(self, data, user):
        return services.fee_plan_create(actor=user, **data)

    def reread(self, row):
        return selectors.fee_plan_get(user=self.request.user, plan_id=row.pk)


@_plan_detail
class FeePlanDetailApi(_DetailApi):
    serializer_class = output = s.FeePlanOutput
    update_input = s.FeePlanUpdateInput

    def fetch(self, user, pk):
        return selectors.fee_plan_get(user=user, plan_id=pk)

    def update(self, row, data, user):
        return services.fee_plan_update(plan_id=row.pk, actor=user, **data)

    def deactivate(self, row, user):
        services.fee_plan_deactivate(plan_id=row.pk, actor=user)


# --- enrollments ----------------------------------------------------------------------------

_enrollment_list, _enrollment_detail = _crud_schema(
    "enrollments", "enrollment", s.EnrollmentOutput, s.EnrollmentCreateInput, s.EnrollmentUpdateInput,
    "Already enrolled this school year (`already_enrolled`), an inactive student (`student_inactive`) "
    "or an inactive plan or school year (`fee_setup_inactive`).",
)


@_enrollment_list
class EnrollmentListApi(_ListCreateApi):
    queryset = Enrollment.objects.none()
    serializer_class = output = s.EnrollmentOutput
    create_input = s.EnrollmentCreateInput
    filterset_class = selectors.EnrollmentFilter
    ordering_fields = ["starts_on", "created_at"]
    select = staticmethod(selectors.enrollment_list)

    def resolve(self, user, data):
        student = student_get(user=user, student_id=data.pop("student_id"))
        plan = selectors.fee_plan_get(user=user, plan_id=data.pop("plan_id"))
        data.update(student_id=student.pk, plan_id=plan.pk)
        return student.school_id

    def create(self, data, user):
        return services.enrollment_create(actor=user, **data)


@_enrollment_detail
class EnrollmentDetailApi(_DetailApi):
    serializer_class = output = s.EnrollmentOutput
    update_input = s.EnrollmentUpdateInput

    def fetch(self, user, pk):
        return selectors.enrollment_get(user=user, enrollment_id=pk)

    def update(self, row, data, user):
        return services.enrollment_update(enrollment_id=row.pk, actor=user, **data)

    def deactivate(self, row, user):
        services.enrollment_deactivate(enrollment_id=row.pk, actor=user)


# --- discounts ------------------------------------------------------------------------------

_discount_list, _discount_detail = _crud_schema(
    "discounts", "discount", s.DiscountOutput, s.DiscountCreateInput, s.DiscountUpdateInput,
    "The student is inactive (`student_inactive`).",
)


@_discount_list
class DiscountListApi(_ListCreateApi):
    queryset = Discount.objects.none()
    serializer_class = output = s.DiscountOutput
    create_input = s.DiscountCreateInput
    filterset_class = selectors.DiscountFilter
    ordering_fields = ["valid_from", "created_at"]
    select = staticmethod(selectors.discount_list)

    def resolve(self, user, data):
        student_id, family_id = data.pop("student_id", None), data.pop("family_id", None)
        if (student_id is None) == (family_id is None):
            raise ValidationError({"student_id": ["Give either student_id or family_id."]})
        if student_id is not None:
            student = student_get(user=user, student_id=student_id)
            data["student_id"] = student.pk
            return student.school_id
        family = family_get(user=user, family_id=family_id)
        data["family_id"] = family.pk
        return family.school_id

    def create(self, data, user):
        return services.discount_create(actor=user, **data)


@_discount_detail
class DiscountDetailApi(_DetailApi):
    serializer_class = output = s.DiscountOutput
    update_input = s.DiscountUpdateInput

    def fetch(self, user, pk):
        return selectors.discount_get(user=user, discount_id=pk)

    def update(self, row, data, user):
        return services.discount_update(discount_id=row.pk, actor=user, **data)

    def deactivate(self, row, user):
        services.discount_deactivate(discount_id=row.pk, actor=user)


# --- late-fee policies ----------------------------------------------------------------------

_policy_list, _policy_detail = _crud_schema(
    "late_fee_policies", "late-fee policy", s.LateFeePolicyOutput, s.LateFeePolicyCreateInput,
    s.LateFeePolicyUpdateInput,
    "The school already has an active policy (`late_fee_policy_exists`) or is inactive (`school_inactive`).",
)


@_policy_list
class LateFeePolicyListApi(_ListCreateApi):
    queryset = LateFeePolicy.objects.none()
    serializer_class = output = s.LateFeePolicyOutput
    create_input = s.LateFeePolicyCreateInput
    filterset_class = selectors.LateFeePolicyFilter
    select = staticmethod(selectors.late_fee_policy_list)

    def resolve(self, user, data):
        school = school_get(user=user, school_id=data.pop("school_id"))
        data["school_id"] = school.pk
        return school.pk

    def create(self, data, user):
        return services.late_fee_policy_create(actor=user, **data)


@_policy_detail
class LateFeePolicyDetailApi(_DetailApi):
    serializer_class = output = s.LateFeePolicyOutput
    update_input = s.LateFeePolicyUpdateInput

    def fetch(self, user, pk):
        return selectors.late_fee_policy_get(user=user, policy_id=pk)

    def update(self, row, data, user):
        return services.late_fee_policy_update(policy_id=row.pk, actor=user, **data)

    def deactivate(self, row, user):
        services.late_fee_policy_deactivate(policy_id=row.pk, actor=user)
