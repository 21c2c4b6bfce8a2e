"""/api/v1/ai/: parse -> scope -> gather data -> (OpenAI or rules) -> serialize.

Every endpoint needs a token. Student endpoints answer 404 for a student outside the caller's
schools; the others answer only from the caller's schools (403 for a user with none, since there
is nothing to answer from and an OpenAI call costs money). Views hold no transaction open: the
OpenAI call happens after every read has finished.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from ai_agent import selectors
from ai_agent.api.serializers import (
    AssistantInput,
    AssistantOutput,
    CaseInsensitiveChoiceField,
    CollectionMessageInput,
    CollectionMessageOutput,
    ExecutiveSummaryInput,
    ExecutiveSummaryOutput,
    RiskAnalysisOutput,
    StatusOutput,
    StudentCollectionMessageInput,
)
from ai_agent.assistant import assistant_answer
from ai_agent.exceptions import NothingToCollect
from ai_agent.llm import ai_caller, llm_last_call, llm_mode
from ai_agent.messages import CollectionFacts, collection_message_build, default_tone
from ai_agent.risk import risk_analysis_get
from ai_agent.summary import executive_summary_get
from ai_agent.text import LANGUAGES
from core.api import parse
from core.dates import local_today
from core.middleware import accept_language_choice
from core.openapi import error_responses
from students.selectors import student_get
from users.access import Action, user_can_anywhere

DEFAULT_AI_RATE = "30/min"
STUDENT_ID = OpenApiParameter("student_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
NO_SCHOOL_403 = "You have no school membership, so there is nothing to answer from (`permission_denied`)."
SCOPE_ERRORS = error_responses(403, 404, descriptions={
    403: NO_SCHOOL_403, 404: "`school_id` is unknown or not one of your schools (`not_found`).",
})


class AIRateThrottle(UserRateThrottle):
    """Per user: OpenAI calls cost money and time. Rate `ai` in DEFAULT_THROTTLE_RATES, else 30/min."""

    scope = "ai"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or DEFAULT_AI_RATE


def _require_some_school(user) -> None:
    if not user_can_anywhere(user, Action.VIEW):
        raise PermissionDenied(gettext_lazy("You have no school membership."))


def _school_scope(user, school_id) -> list | None:
    """The schools an answer reads from: `school_id` (404 unless it is one of the caller's), else
    all of the caller's (403 with none)."""
    school_ids = selectors.scoped_school_ids(user=user, school_id=school_id)
    if school_id is None:
        _require_some_school(user)
    return school_ids


class _AIView(APIView):
    throttle_classes = [AIRateThrottle]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # For the per-user bound on OpenAI calls waiting at once (ai_agent.llm).
        ai_caller.set(str(request.user.pk))


def _answer_language(request, given: str | None) -> str:
    """The language of the generated text: the body's or query's `language`, else the one
    Accept-Language asks for (es or en: the same as the rest of the answer), else Spanish (the
    earlier API's default, for the families the texts are written to)."""
    return given or accept_language_choice(request.META.get("HTTP_ACCEPT_LANGUAGE", "")) or "es"


class _LanguageQuery(serializers.Serializer):
    language = CaseInsensitiveChoiceField(choices=LANGUAGES, required=False)


LANGUAGE_QUERY = OpenApiParameter(
    "language", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=list(LANGUAGES),
    description="`es` or `en`; without it, Accept-Language's (es or en), else `es`. The risk analysis "
                "takes no body.",
)



class RiskAnalysisApi(_AIView):
    @extend_schema(
        summary="Payment risk of a student",
        description=(
            "Scores the student's payment risk 0-100 from their real history (late share, days late, "
            "overdue amount and age, partial payments, trend). The score, level and probability always "
            "come from the documented rules (`ai_agent/risk.py`), each factor with its `points`; with "
            "OpenAI, the recommendations and summary are written by the model from the same figures. "
            "No request body."
        ),
        request=None,
        parameters=[STUDENT_ID, LANGUAGE_QUERY],
        responses={200: RiskAnalysisOutput, **error_responses(404)},
    )
    def post(self, request, student_id):
        student = student_get(user=request.user, student_id=student_id)
        language = _answer_language(request, parse(_LanguageQuery, request.query_params).get("language"))
        answer, source = risk_analysis_get(student=student, language=language)
        return Response(RiskAnalysisOutput({**answer, "source": source, "language": language}).data)


_MESSAGE_EXAMPLE = OpenApiExample(
    "SMS",
    value={"student_name": "Juan Pérez", "amount": 1500.00, "due_date": "2026-03-15",
           "school_name": "Colegio San José", "channel": "SMS", "tone": "friendly", "language": "es"},
    request_only=True,
)


def _message_response(*, facts, channel, tone, language, student_id=None) -> Response:
    message, source = collection_message_build(facts=facts, channel=channel, tone=tone, language=language)
    return Response(
        CollectionMessageOutput(
            {
                **message,
                "channel": channel,
                "tone": tone,
                "language": language,
                "character_count": len(message["body"]),
                "student_id": student_id,
                "student_name": facts.student_name,
                "school_name": facts.school_name or None,
                "amount": facts.amount,
                "overdue_amount": facts.overdue_part,
                "due_date": facts.due_date,
                "invoices": facts.invoices,
                "source": source,
            }
        ).data
    )


class CollectionMessageApi(_AIView):
    @extend_schema(
        operation_id="ai_collection_message_create",
        summary="Collection message from free input",
        description=(
            "Writes a reminder for the name, amount and due date given (nothing is read or sent). "
            "EMAIL has a subject; SMS is at most 160 characters. Tone defaults to `friendly`. Every "
            "figure in the text is one of the request's; money has two decimals."
        ),
        request=CollectionMessageInput,
        examples=[_MESSAGE_EXAMPLE],
        responses={
            200: CollectionMessageOutput,
            **error_responses(403, 404, descriptions={
                403: NO_SCHOOL_403,
                404: "`student_id` (earlier API) is unknown or not in your schools (`not_found`).",
            }),
        },
    )
    def post(self, request):
        data = parse(CollectionMessageInput, request.data)
        if data.get("student_id") is not None:
            # The earlier API's shape: a student of the caller's schools, figures from their invoices.
            return _student_message(
                request, data["student_id"], channel=data["channel"], tone=data.get("tone"),
                language=data.get("language"),
            )
        _require_some_school(request.user)
        today = local_today()
        due_date = data.get("due_date") or today - timedelta(days=data.get("days_overdue") or 0)
        facts = CollectionFacts(
            student_name=data["student_name"].strip(),
            school_name=data["school_name"].strip(),
            amount=data["amount"],
            due_date=due_date,
            today=today,
        )
        return _message_response(
            facts=facts, channel=data["channel"], tone=data.get("tone") or "friendly",
            language=_answer_language(request, data.get("language")),
        )


class StudentCollectionMessageApi(_AIView):
    @extend_schema(
        operation_id="ai_student_collection_message_create",
        summary="Collection message from a student's open invoices",
        description=(
            "Writes a reminder for the student's real pending balance (every invoice not cancelled and "
            "not fully paid), quoting the earliest due date; EMAIL lists the invoices. Channel defaults "
            "to EMAIL; tone defaults to `firm` when something is overdue, else `friendly`. "
            "409 `nothing_to_collect` when the student owes nothing."
        ),
        request=StudentCollectionMessageInput,
        parameters=[STUDENT_ID],
        responses={
            200: CollectionMessageOutput,
            **error_responses(404, 409, descriptions={409: "`nothing_to_collect`: no open invoice."}),
        },
    )
    def post(self, request, student_id):
        data = parse(StudentCollectionMessageInput, request.data)
        return _student_message(
            request, student_id, channel=data["channel"], tone=data.get("tone"), language=data.get("language")
        )


def _student_message(request, student_id, *, channel, tone, language) -> Response:
    """A reminder for a student's real open balance (both message endpoints that take a student)."""
    student = student_get(user=request.user, student_id=student_id)
    today = local_today()
    invoices = selectors.student_open_invoices_list(user=request.user, student_id=student.pk, today=today)
    if not invoices:
        raise NothingToCollect()
    balance = selectors.student_balances_get(
        student_ids=[student.pk], school_ids=[student.school_id], today=today
    )[student.pk]
    facts = CollectionFacts(
        student_name=student.full_name,
        school_name=student.school.name,
        amount=balance.pending,
        due_date=invoices[0].due_date,
        today=today,
        invoices=invoices,
        overdue_amount=balance.overdue,
    )
    return _message_response(
        facts=facts, channel=channel or "EMAIL", tone=tone or default_tone(facts),
        language=_answer_language(request, language), student_id=student.pk,
    )


class AssistantApi(_AIView):
    @extend_schema(
        summary="Ask the billing assistant",
        description=(
            "A question (at most 500 characters) in Spanish or English about balances, overdue "
            "students, top debtors or collection totals. Answers only from your schools (or the "
            "`school_id` given): a student of another school is \"not found\", whatever the question "
            "says. Without OpenAI, keyword rules answer the common questions and say plainly when they "
            "cannot (`answered: false`)."
        ),
        request=AssistantInput,
        examples=[
            OpenApiExample("Balance", value={"question": "¿Cuánto debe Juan Pérez?"}, request_only=True),
            OpenApiExample(
                "Overdue",
                value={"question": "Which students are more than 60 days overdue?", "language": "en"},
                request_only=True,
            ),
        ],
        responses={200: AssistantOutput, **SCOPE_ERRORS},
    )
    def post(self, request):
        data = parse(AssistantInput, request.data)
        if data.get("student_id") is not None:  # the earlier API's field: that student's school
            data["school_id"] = student_get(user=request.user, student_id=data["student_id"]).school_id
        school_ids = _school_scope(request.user, data.get("school_id"))
        question = " ".join(data["question"].split())
        answer, source = assistant_answer(
            question=question, school_ids=school_ids, language=data.get("language")
        )
        return Response(AssistantOutput({**answer, "question": question, "source": source}).data)


class ExecutiveSummaryApi(_AIView):
    @extend_schema(
        summary="Executive collection summary",
        description=(
            "KPIs of one of your schools (`school_id`) or all of them, for the invoices due between "
            "`date_from` and `date_to` (both optional; none: the whole history): invoiced, collected, "
            "pending, overdue, collection rate, aging, per school and top debtors; plus a narrative and "
            "recommendations."
        ),
        request=ExecutiveSummaryInput,
        responses={200: ExecutiveSummaryOutput, **SCOPE_ERRORS},
    )
    def post(self, request):
        data = parse(ExecutiveSummaryInput, request.data)
        school_id = data.get("school_id")
        school_ids = _school_scope(request.user, school_id)
        school_name = dict(selectors.school_names_list(school_ids=school_ids)).get(school_id)
        answer, source = executive_summary_get(
            school_ids=school_ids,
            school_name=school_name,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            language=_answer_language(request, data.get("language")),
        )
        return Response(ExecutiveSummaryOutput({**answer, "school_id": school_id, "source": source}).data)


class StatusApi(APIView):
    @extend_schema(
        summary="AI agent status",
        description=(
            "`mode` is `openai` when OPENAI_API_KEY is set, else `rules` (every endpoint still answers). "
            "`last_call` is the outcome of the last OpenAI call, kept in the cache: shared by every "
            "worker with Redis, per worker process with the local-memory cache (`last_call_shared`)."
        ),
        responses={200: StatusOutput},
    )
    def get(self, request):
        mode = llm_mode()
        return Response(
            StatusOutput(
                {
                    "mode": mode,
                    "source": mode,
                    "available": mode == "openai",
                    "model": settings.OPENAI_MODEL if mode == "openai" else None,
                    "timeout_seconds": float(settings.OPENAI_TIMEOUT_SECONDS),
                    "last_call": llm_last_call(),
                    "last_call_shared": not isinstance(caches["default"], LocMemCache | DummyCache),
                }
            ).data
        )
