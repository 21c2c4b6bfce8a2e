"""Reminder policies (one per school) and the reminder log. ADMINs of the school only."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from core.api import DetailApi, PagedListApi, parse, update_schemas
from core.filters import StrictOrderingFilter
from core.openapi import error_responses, uuid_path_parameter
from reminders import selectors, services
from reminders.api.serializers import PolicyCreateInput, PolicyOutput, PolicyUpdateInput, ReminderOutput
from reminders.models import Reminder, ReminderPolicy
from users.access import Action
from users.api.resources import ResourceListApi

POLICY_ID = uuid_path_parameter("policy_id", "Reminder policy id.")
ADMIN_ONLY = {
    403: "Only the school's ADMINs (and platform admins) see and change reminders (`permission_denied`).",
}
INVALID = {
    400: "`validation_error` (with `fields`), `invalid_reminder_policy` (fields name the step, e.g. "
    "`steps[0]`), or `profeco_violation` (a text threatens to withhold documents, grades or exams, or "
    "mentions a suspension outside a suspension notice).",
}


@extend_schema_view(
    get=extend_schema(operation_id="reminder_policies_list", tags=["reminders"],
                      responses={200: PolicyOutput(many=True)}),
    post=extend_schema(
        operation_id="reminder_policies_create",
        tags=["reminders"],
        request=PolicyCreateInput,
        responses={201: PolicyOutput, **error_responses(400, 403, 404, 409, descriptions={
            **INVALID, **ADMIN_ONLY, 409: "The school already has a policy (`reminder_policy_exists`).",
        })},
        description="A school's reminder policy: steps relative to the due date, each with a channel and "
        "an optional Spanish/English text (empty: the built-in template). `send_reminders` (nightly) sends "
        "one reminder per family, step and invoice set, at most once.",
    ),
)
class PolicyListApi(ResourceListApi):
    """Reminder policies of the schools where you are an ADMIN."""

    queryset = ReminderPolicy.objects.none()
    serializer_class = PolicyOutput
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = selectors.PolicyFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["created_at"]
    select = staticmethod(selectors.policy_list)
    create_input = PolicyCreateInput
    write_action = Action.REMINDERS_MANAGE
    creator = staticmethod(services.policy_create)


@extend_schema_view(
    get=extend_schema(operation_id="reminder_policies_retrieve", tags=["reminders"], parameters=[POLICY_ID],
                      responses={200: PolicyOutput, **error_responses(403, descriptions=ADMIN_ONLY)}),
    **update_schemas(
        "reminder_policies", tags=["reminders"], parameters=[POLICY_ID], request=PolicyUpdateInput,
        responses={200: PolicyOutput, **error_responses(400, 403, descriptions={**INVALID, **ADMIN_ONLY})},
        description="Change the policy: only the fields sent change (`steps` replaces all the steps).",
    ),
)
class PolicyDetailApi(DetailApi):
    serializer_class = PolicyOutput
    getter = staticmethod(selectors.policy_get)

    def put(self, request, policy_id):
        policy = selectors.policy_get(user=request.user, policy_id=policy_id)
        data = parse(PolicyUpdateInput, request.data)
        policy = services.policy_update(policy_id=policy.pk, actor=request.user, **data)
        return Response(PolicyOutput(policy).data)

    def patch(self, request, policy_id):
        return self.put(request, policy_id)

    @extend_schema(
        operation_id="reminder_policies_destroy", tags=["reminders"], parameters=[POLICY_ID],
        responses={204: None, **error_responses(403, descriptions=ADMIN_ONLY)},
        description="The school stops sending reminders; the log of those sent stays.",
    )
    def delete(self, request, policy_id):
        policy = selectors.policy_get(user=request.user, policy_id=policy_id)
        services.policy_delete(policy_id=policy.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        operation_id="reminders_list", tags=["reminders"], responses={200: ReminderOutput(many=True)},
        description="Filters: `family_id`, `status` (SENDING, SENT, FAILED; FAILED ones are retried by the "
        "next run), `channel`, `kind`, `step_offset`, `school_id`.",
    )
)
class ReminderListApi(PagedListApi):
    """The reminder log: every reminder attempted, with its text as sent and its outcome."""

    queryset = Reminder.objects.none()
    serializer_class = ReminderOutput
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = selectors.ReminderFilter
    ordering_fields = ["created_at", "sent_at", "as_of", "step_offset"]
    ordering = ["-created_at"]
    select = staticmethod(selectors.reminder_list)


@extend_schema_view(
    get=extend_schema(operation_id="reminders_retrieve", tags=["reminders"],
                      parameters=[uuid_path_parameter("reminder_id", "Reminder id.")],
                      responses={200: ReminderOutput, **error_responses(403, descriptions=ADMIN_ONLY)})
)
class ReminderDetailApi(DetailApi):
    serializer_class = ReminderOutput
    getter = staticmethod(selectors.reminder_get)
