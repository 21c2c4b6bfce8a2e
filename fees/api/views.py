"""Fee setup endpoints: parse → scope and role check → service or selector → serialize.

Every resource reads like students: a paginated, filtered list of the caller's schools; POST,
PUT/PATCH (only the fields sent change) and DELETE (soft: the row is deactivated) for the
school's ADMINs. A parent id in a body outside the caller's schools is a 404.
"""

from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from billing.api.serializers import InvoiceOutput
from billing.concepts import fee_concept_create, fee_concept_update
from billing.models import FeeConcept
from billing.selectors import invoice_get
from billing.surcharges import surcharge_waive
from core.api import PagedListApi, parse, update_schemas
from core.dates import local_today
from core.filters import StrictOrderingFilter
from core.openapi import error_responses, uuid_path_parameter
from families.selectors import family_get
from fees import selectors, services
from fees.api import serializers as s
from fees.calendar import Period
from fees.models import BillingRun, Discount, Enrollment, FeePlan, LateFeePolicy, LateFeeRun, SchoolYear
from fees.runs import billing_run_execute, late_fee_run_execute
from students.selectors import student_get
from users.access import Action, require
from users.api.resources import ResourceDetailApi, ResourceListApi
from users.selectors import school_get

ID = uuid_path_parameter("id")
ADMIN_ONLY = "Only the school's ADMINs (and platform admins) change the fee setup (`permission_denied`)."


# The fee setup's resources: only the school's ADMINs write them. A parent id in a body (`resolve`)
# outside the caller's schools is a 404.
class _ListCreateApi(ResourceListApi):
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at"]
    write_action = Action.FEES_WRITE


# The routes name the row's id `pk`; the selectors and services call it `id_name`. An update
# answers the row as its selector reads it again.
class _DetailApi(ResourceDetailApi):
    write_action = Action.FEES_WRITE

    def get_object(self):
        return self.getter(user=self.request.user, **{self.id_name: self.kwargs["pk"]})

    def reread(self, row):
        return self.getter(user=self.request.user, **{self.id_name: row.pk})


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
        **update_schemas(
            tag, tags=["fees"], parameters=[ID], request=update_input,
            responses={200: output, **write_errors}, description="Only the fields sent change.",
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
    serializer_class = s.SchoolYearOutput
    create_input = s.SchoolYearCreateInput
    filterset_class = selectors.SchoolYearFilter
    ordering_fields = ["starts_on", "name", "created_at"]
    ordering = ["-starts_on"]
    select = staticmethod(selectors.school_year_list)
    creator = staticmethod(services.school_year_create)


@_year_detail
class SchoolYearDetailApi(_DetailApi):
    serializer_class = s.SchoolYearOutput
    update_input = s.SchoolYearUpdateInput
    id_name = "school_year_id"
    getter = staticmethod(selectors.school_year_get)
    updater = staticmethod(services.school_year_update)
    deactivator = staticmethod(services.school_year_deactivate)


# --- fee plans ------------------------------------------------------------------------------

_plan_list, _plan_detail = _crud_schema(
    "fee_plans", "fee plan", s.FeePlanOutput, s.FeePlanCreateInput, s.FeePlanUpdateInput,
    "The school year is inactive (`fee_setup_inactive`) or the name is taken (`duplicate_name`).",
)


@_plan_list
class FeePlanListApi(_ListCreateApi):
    queryset = FeePlan.objects.none()
    serializer_class = s.FeePlanOutput
    create_input = s.FeePlanCreateInput
    filterset_class = selectors.FeePlanFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    select = staticmethod(selectors.fee_plan_list)
    creator = staticmethod(services.fee_plan_create)

    def resolve(self, user, data):
        year = selectors.school_year_get(user=user, school_year_id=data.pop("school_year_id"))
        data["school_year_id"] = year.pk
        return year.school_id

    def reread(self, row):
        return selectors.fee_plan_get(user=self.request.user, plan_id=row.pk)


@_plan_detail
class FeePlanDetailApi(_DetailApi):
    serializer_class = s.FeePlanOutput
    update_input = s.FeePlanUpdateInput
    id_name = "plan_id"
    getter = staticmethod(selectors.fee_plan_get)
    updater = staticmethod(services.fee_plan_update)
    deactivator = staticmethod(services.fee_plan_deactivate)


# --- enrollments ----------------------------------------------------------------------------

_enrollment_list, _enrollment_detail = _crud_schema(
    "enrollments", "enrollment", s.EnrollmentOutput, s.EnrollmentCreateInput, s.EnrollmentUpdateInput,
    "Already enrolled this school year (`already_enrolled`), an inactive student (`student_inactive`) "
    "or an inactive plan or school year (`fee_setup_inactive`).",
)


@_enrollment_list
class EnrollmentListApi(_ListCreateApi):
    queryset = Enrollment.objects.none()
    serializer_class = s.EnrollmentOutput
    create_input = s.EnrollmentCreateInput
    filterset_class = selectors.EnrollmentFilter
    ordering_fields = ["starts_on", "created_at"]
    select = staticmethod(selectors.enrollment_list)
    creator = staticmethod(services.enrollment_create)

    def resolve(self, user, data):
        student = student_get(user=user, student_id=data.pop("student_id"))
        plan = selectors.fee_plan_get(user=user, plan_id=data.pop("plan_id"))
        data.update(student_id=student.pk, plan_id=plan.pk)
        return student.school_id


@_enrollment_detail
class EnrollmentDetailApi(_DetailApi):
    serializer_class = s.EnrollmentOutput
    update_input = s.EnrollmentUpdateInput
    id_name = "enrollment_id"
    getter = staticmethod(selectors.enrollment_get)
    updater = staticmethod(services.enrollment_update)
    deactivator = staticmethod(services.enrollment_deactivate)


# --- discounts ------------------------------------------------------------------------------

_discount_list, _discount_detail = _crud_schema(
    "discounts", "discount", s.DiscountOutput, s.DiscountCreateInput, s.DiscountUpdateInput,
    "The student is inactive (`student_inactive`).",
)


@_discount_list
class DiscountListApi(_ListCreateApi):
    queryset = Discount.objects.none()
    serializer_class = s.DiscountOutput
    create_input = s.DiscountCreateInput
    filterset_class = selectors.DiscountFilter
    ordering_fields = ["valid_from", "created_at"]
    select = staticmethod(selectors.discount_list)
    creator = staticmethod(services.discount_create)

    def resolve(self, user, data):
        student_id, family_id = data.pop("student_id", None), data.pop("family_id", None)
        if (student_id is None) == (family_id is None):
            raise ValidationError({"student_id": [gettext_lazy("Give either student_id or family_id.")]})
        if student_id is not None:
            student = student_get(user=user, student_id=student_id)
            data["student_id"] = student.pk
            return student.school_id
        family = family_get(user=user, family_id=family_id)
        data["family_id"] = family.pk
        return family.school_id


@_discount_detail
class DiscountDetailApi(_DetailApi):
    serializer_class = s.DiscountOutput
    update_input = s.DiscountUpdateInput
    id_name = "discount_id"
    getter = staticmethod(selectors.discount_get)
    updater = staticmethod(services.discount_update)
    deactivator = staticmethod(services.discount_deactivate)


# --- late-fee policies ----------------------------------------------------------------------

_policy_list, _policy_detail = _crud_schema(
    "late_fee_policies", "late-fee policy", s.LateFeePolicyOutput, s.LateFeePolicyCreateInput,
    s.LateFeePolicyUpdateInput,
    "The school already has an active policy (`late_fee_policy_exists`) or is inactive (`school_inactive`).",
)


@_policy_list
class LateFeePolicyListApi(_ListCreateApi):
    queryset = LateFeePolicy.objects.none()
    serializer_class = s.LateFeePolicyOutput
    create_input = s.LateFeePolicyCreateInput
    filterset_class = selectors.LateFeePolicyFilter
    select = staticmethod(selectors.late_fee_policy_list)
    creator = staticmethod(services.late_fee_policy_create)


@_policy_detail
class LateFeePolicyDetailApi(_DetailApi):
    serializer_class = s.LateFeePolicyOutput
    update_input = s.LateFeePolicyUpdateInput
    id_name = "policy_id"
    getter = staticmethod(selectors.late_fee_policy_get)
    updater = staticmethod(services.late_fee_policy_update)
    deactivator = staticmethod(services.late_fee_policy_deactivate)


# --- fee concepts ---------------------------------------------------------------------------

_concept_list, _concept_detail = _crud_schema(
    "fee_concepts", "fee concept", s.FeeConceptOutput, s.FeeConceptCreateInput, s.FeeConceptUpdateInput,
    "The code is taken in this school (`duplicate_code`) or the school is inactive (`school_inactive`).",
)


@_concept_list
class FeeConceptListApi(_ListCreateApi):
    queryset = FeeConcept.objects.none()
    serializer_class = s.FeeConceptOutput
    create_input = s.FeeConceptCreateInput
    filterset_class = selectors.FeeConceptFilter
    ordering_fields = ["code", "name", "created_at"]
    ordering = ["code"]
    select = staticmethod(selectors.fee_concept_list)
    creator = staticmethod(fee_concept_create)


@_concept_detail
class FeeConceptDetailApi(_DetailApi):
    serializer_class = s.FeeConceptOutput
    update_input = s.FeeConceptUpdateInput
    id_name = "concept_id"
    getter = staticmethod(selectors.fee_concept_get)
    updater = staticmethod(fee_concept_update)

    def deactivate(self, row, user):
        fee_concept_update(concept_id=row.pk, is_active=False, actor=user)


# --- runs -----------------------------------------------------------------------------------

SCHOOL_ID = uuid_path_parameter("school_id", "School id.")
RUNNERS = "ACCOUNTANTs and ADMINs of the school run them (`permission_denied`)."


# A school's runs of one kind (newest first), and starting one: 201 with the result, or 200 for
# a dry run. A subclass names its model, serializers and `execute(school, data, user)`.
class _RunListApi(PagedListApi):
    filter_backends: list = []
    run_input: type
    result_output: type

    def get_queryset(self):
        school = school_get(user=self.request.user, school_id=self.kwargs["school_id"])
        return self.queryset.model.objects.filter(school_id=school.pk).order_by("-created_at", "-pk")

    def post(self, request, school_id):
        school = school_get(user=request.user, school_id=school_id)
        require(request.user, Action.BILLING_RUN, school.pk)
        data = parse(self.run_input, request.data)
        result = self.execute(school, data, request.user)
        return Response(self.result_output(result).data,
                        status=status.HTTP_200_OK if data["dry_run"] else status.HTTP_201_CREATED)


def _run_schema(tag: str, output, run_input, result_output, description: str):
    return extend_schema_view(
        get=extend_schema(operation_id=f"{tag}_list", tags=["fees"], parameters=[SCHOOL_ID],
                          responses={200: output(many=True)}),
        post=extend_schema(
            operation_id=f"{tag}_create", tags=["fees"], parameters=[SCHOOL_ID], request=run_input,
            responses={200: result_output, 201: result_output,
                       **error_responses(400, 403, descriptions={
                           403: RUNNERS,
                           400: "A field is invalid: `period` not `YYYY-MM` or outside every active "
                                "school year of the school, `as_of` in the future (`validation_error`).",
                       })},
            description=description,
        ),
    )


@_run_schema(
    "billing_runs", s.BillingRunOutput, s.BillingRunInput, s.BillingRunResultOutput,
    "Issue the school's invoices for `period` from its fee plans (201), or with `dry_run` "
    "say what would be issued (200). Idempotent: what is already issued is counted in "
    "`already_issued`, never issued twice.",
)
class BillingRunListApi(_RunListApi):
    """A school's billing runs (newest first), and issuing a period's invoices."""

    queryset = BillingRun.objects.none()
    serializer_class = s.BillingRunOutput
    run_input, result_output = s.BillingRunInput, s.BillingRunResultOutput

    def execute(self, school, data, user):
        period = Period.parse(data["period"])
        if not selectors.school_year_covers(school_id=school.pk, period=period):
            raise ValidationError({"period": [
                gettext_lazy("No active school year of this school covers %(period)s.") % {"period": period}
            ]})
        return billing_run_execute(
            school_id=school.pk, period=period, dry_run=data["dry_run"], actor=user
        )


@_run_schema(
    "late_fee_runs", s.LateFeeRunOutput, s.LateFeeRunInput, s.LateFeeRunResultOutput,
    "Charge the recargos the school's overdue invoices have reached by `as_of` (default "
    "today; not in the future) under its active late-fee policy (201), or with `dry_run` count them "
    "(200). Idempotent: a tier is never charged twice.",
)
class LateFeeRunListApi(_RunListApi):
    """A school's late-fee runs (newest first), and charging the recargos reached."""

    queryset = LateFeeRun.objects.none()
    serializer_class = s.LateFeeRunOutput
    run_input, result_output = s.LateFeeRunInput, s.LateFeeRunResultOutput

    def execute(self, school, data, user):
        today = local_today()
        if data["as_of"] is not None and data["as_of"] > today:
            raise ValidationError(
                {"as_of": [gettext_lazy("Must be %(today)s or earlier.") % {"today": today}]}
            )
        return late_fee_run_execute(
            school_id=school.pk, as_of=data["as_of"], dry_run=data["dry_run"], actor=user
        )


class InvoiceWaiveApi(GenericAPIView):
    serializer_class = InvoiceOutput
    filter_backends: list = []

    @extend_schema(
        operation_id="invoices_waive", tags=["invoices"], parameters=[uuid_path_parameter("invoice_id")],
        request=s.WaiveInput,
        responses={200: InvoiceOutput, **error_responses(403, 409, descriptions={
            403: "Only the school's ADMINs waive recargos (`permission_denied`).",
            409: "Not a recargo (`not_a_surcharge`), already waived or cancelled (`invoice_cancelled`), "
                 "or partly paid (`invoice_has_payments`).",
        })},
        description="Waive a recargo: it is cancelled with the reason, and its tier is never charged again.",
    )
    def post(self, request, invoice_id):
        invoice = invoice_get(user=request.user, invoice_id=invoice_id)
        require(request.user, Action.SURCHARGE_WAIVE, invoice.school_id)
        data = parse(s.WaiveInput, request.data)
        surcharge_waive(invoice_id=invoice.pk, reason=data["reason"], actor=request.user)
        return Response(InvoiceOutput(invoice_get(user=request.user, invoice_id=invoice.pk)).data)
