"""Request and response shapes of /api/v1/ai/. Inputs check shape only; outputs only format."""

from decimal import Decimal

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from ai_agent.messages import CHANNELS, TONES
from ai_agent.selectors import AGING_BUCKETS
from ai_agent.text import LANGUAGES
from core.api import FlatList, InputSerializer, MoneyField, UUIDInBodyField
from core.money import MAX_AMOUNT, RATE_PLACES

SOURCES = ("openai", "rules")
LEVELS = ("LOW", "MEDIUM", "HIGH")
MAX_NAME_CHARS = 200
MAX_QUESTION_CHARS = 500


class CaseInsensitiveChoiceField(serializers.ChoiceField):
    """`email`, `Email` and `EMAIL` are the same channel; the canonical spelling is returned."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            for choice in self.choices:
                if choice.lower() == data.strip().lower():
                    return choice
        return super().to_internal_value(data)


class LevelField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=LEVELS, **kwargs)


class SourceField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=SOURCES, **kwargs)


def _language_field():
    return CaseInsensitiveChoiceField(
        choices=LANGUAGES, required=False, allow_null=True,
        help_text="Answer language: `es` or `en`; without it, Accept-Language's (es or en), else `es`.",
    )


def _channel_field(**kwargs):
    return CaseInsensitiveChoiceField(
        choices=CHANNELS, help_text="EMAIL (subject + body), SMS (at most 160 characters) or WHATSAPP.",
        **kwargs,
    )


# The earlier FastAPI implementation's tones (its clients still send them), mapped to ours.
LEGACY_TONES = {"FRIENDLY": "friendly", "FORMAL": "firm", "URGENT": "firm", "FINAL_NOTICE": "final"}


class ToneField(CaseInsensitiveChoiceField):
    """friendly, firm or final; also the earlier API's FRIENDLY, FORMAL, URGENT, FINAL_NOTICE."""

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip().upper() in LEGACY_TONES:
            return LEGACY_TONES[data.strip().upper()]
        return super().to_internal_value(data)


def _tone_field():
    return ToneField(
        choices=TONES, required=False, allow_null=True,
        help_text="friendly, firm or final (final notice); the earlier API's FRIENDLY, FORMAL, URGENT "
        "and FINAL_NOTICE are read as friendly, firm, firm and final.",
    )


def _legacy(help_text: str, field_class=serializers.CharField, **kwargs):
    """A field of the earlier FastAPI implementation's wire contract: accepted, as DESIGN.md lists."""
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    return field_class(help_text=f"Earlier API: {help_text}", **kwargs)


class _HistoryTurn(serializers.Serializer):
    role = serializers.ChoiceField(choices=["user", "assistant", "system"])
    content = serializers.CharField(max_length=MAX_QUESTION_CHARS * 4, allow_blank=True)


# --- Inputs ---------------------------------------------------------------------------------


class CollectionMessageInput(InputSerializer):
    student_name = serializers.CharField(max_length=MAX_NAME_CHARS, required=False)
    amount = MoneyField(
        min_value=Decimal("0.01"), max_value=MAX_AMOUNT, required=False,
        help_text="Amount owed, > 0 (or `pending_amount`).",
    )
    due_date = serializers.DateField(
        required=False, help_text="Without it: today minus `days_overdue` (0 when not given).",
    )
    school_name = serializers.CharField(
        max_length=MAX_NAME_CHARS, required=False, allow_blank=True, default=""
    )
    channel = _channel_field()
    tone = _tone_field()
    language = _language_field()
    # The earlier API's names (DESIGN.md, "AI agent").
    pending_amount = _legacy("same as `amount`.", MoneyField, min_value=Decimal("0.01"), max_value=MAX_AMOUNT)
    student_id = _legacy(
        "a student of your schools: the figures come from their open invoices (404 otherwise).",
        UUIDInBodyField,
    )
    parent_name = _legacy("accepted, not used in the text.", max_length=MAX_NAME_CHARS, allow_blank=True)
    overdue_amount = _legacy("the overdue part of the amount.", MoneyField, min_value=Decimal("0"))
    days_overdue = _legacy("days past due; sets due_date when it is not sent.", serializers.IntegerField,
                           min_value=0, max_value=36_500)
    invoices_pending = _legacy(
        "accepted, informational.", serializers.IntegerField, min_value=0, max_value=10_000
    )
    include_payment_link = _legacy("accepted; no link is added.", serializers.BooleanField)
    custom_context = _legacy(
        "accepted, not used in the text.", max_length=MAX_QUESTION_CHARS, allow_blank=True
    )

    def validate(self, attrs):
        amount = attrs.get("amount") or attrs.get("pending_amount")
        if attrs.get("student_id") is None:
            missing = {}
            if amount is None:
                missing["amount"] = [
                    gettext_lazy("This field is required (or send pending_amount or student_id).")
                ]
            if not attrs.get("student_name"):
                missing["student_name"] = [gettext_lazy("This field is required (or send student_id).")]
            if missing:
                raise serializers.ValidationError(missing)
        attrs["amount"] = amount
        return attrs


class StudentCollectionMessageInput(InputSerializer):
    channel = _channel_field(required=False, default="EMAIL", allow_null=True)
    tone = _tone_field()
    language = _language_field()


class AssistantInput(InputSerializer):
    question = serializers.CharField(max_length=MAX_QUESTION_CHARS)
    school_id = UUIDInBodyField(
        required=False, allow_null=True, help_text="Limit the answer to one of your schools."
    )
    language = CaseInsensitiveChoiceField(
        choices=LANGUAGES, required=False, allow_null=True,
        help_text="`es` or `en`; without it, the question's language.",
    )
    # The earlier API's names (DESIGN.md, "AI agent").
    student_id = _legacy("a student of your schools: the answer is limited to their school (404 otherwise).",
                         UUIDInBodyField)
    context = _legacy("accepted, not used.", serializers.JSONField)
    conversation_history = _legacy(
        "earlier turns `[{role, content}]`; accepted, the answer uses the question.",
        FlatList, child=_HistoryTurn(), max_length=50,
    )


class ExecutiveSummaryInput(InputSerializer):
    school_id = UUIDInBodyField(
        required=False, allow_null=True, help_text="One of your schools; without it, all of them."
    )
    date_from = serializers.DateField(required=False, allow_null=True, help_text="Invoices due on or after.")
    date_to = serializers.DateField(required=False, allow_null=True, help_text="Invoices due on or before.")
    language = _language_field()
    # The earlier API's names (DESIGN.md, "AI agent").
    period_start = _legacy("same as `date_from`.", serializers.DateField)
    period_end = _legacy("same as `date_to`.", serializers.DateField)
    include_recommendations = _legacy(
        "accepted; recommendations are always included.", serializers.BooleanField
    )
    include_trends = _legacy("accepted; trends are always included.", serializers.BooleanField)

    def validate(self, attrs):
        attrs["date_from"] = attrs.get("date_from") or attrs.pop("period_start", None)
        attrs["date_to"] = attrs.get("date_to") or attrs.pop("period_end", None)
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": [gettext_lazy("Must be on or after date_from.")]})
        return attrs


# --- Outputs --------------------------------------------------------------------------------


class _SourceMixin(serializers.Serializer):
    source = SourceField(help_text="`openai` when the model produced the text, `rules` otherwise.")


class RiskFactorOutput(serializers.Serializer):
    factor = serializers.CharField()
    impact = LevelField()
    description = serializers.CharField()
    points = serializers.FloatField(help_text="Points this factor adds to the score (see the scoring table).")


class RiskMetricsOutput(serializers.Serializer):
    invoices = serializers.IntegerField()
    decided = serializers.IntegerField(help_text="Invoices fully paid or past their due date.")
    late = serializers.IntegerField()
    late_share = serializers.FloatField()
    average_days_late = serializers.FloatField()
    overdue_amount = MoneyField()
    overdue_invoices = serializers.IntegerField()
    oldest_overdue_days = serializers.IntegerField()
    average_invoice_amount = MoneyField()
    paid_invoices = serializers.IntegerField()
    paid_in_installments = serializers.IntegerField()
    partial_share = serializers.FloatField()
    recent_late_share = serializers.FloatField(allow_null=True)
    previous_late_share = serializers.FloatField(allow_null=True)


class RiskAnalysisOutput(_SourceMixin):
    student_id = serializers.UUIDField()
    student_name = serializers.CharField()
    risk_level = LevelField()
    risk_score = serializers.IntegerField(min_value=0, max_value=100)
    risk_factors = RiskFactorOutput(many=True)
    recommendations = serializers.ListField(child=serializers.CharField())
    predicted_payment_probability = serializers.FloatField(min_value=0, max_value=1)
    suggested_action = serializers.CharField()
    analysis_summary = serializers.CharField()
    metrics = RiskMetricsOutput()
    language = serializers.CharField()


class MessageInvoiceOutput(serializers.Serializer):
    number = serializers.CharField()
    description = serializers.CharField()
    amount = MoneyField()
    paid_amount = MoneyField()
    pending_amount = MoneyField(source="pending")
    due_date = serializers.DateField()
    status = serializers.CharField()


class CollectionMessageOutput(_SourceMixin):
    channel = serializers.CharField()
    tone = serializers.CharField()
    language = serializers.CharField()
    subject = serializers.CharField(allow_null=True, help_text="EMAIL only; null for SMS and WHATSAPP.")
    body = serializers.CharField()
    character_count = serializers.IntegerField()
    student_id = serializers.UUIDField(allow_null=True, help_text="Null for a message built from free input.")
    student_name = serializers.CharField()
    school_name = serializers.CharField(allow_null=True)
    amount = MoneyField(help_text="The amount the message asks for.")
    overdue_amount = MoneyField(help_text="The part of `amount` already past due.")
    due_date = serializers.DateField(help_text="The (earliest) due date the message quotes.")
    invoices = MessageInvoiceOutput(many=True, help_text="The open invoices behind the amount.")


class AssistantOutput(_SourceMixin):
    question = serializers.CharField()
    answer = serializers.CharField()
    intent = serializers.CharField(
        help_text="student_balance, overdue_students, top_debtors, school_summary, school_not_found, "
        "unknown (rules) or openai."
    )
    answered = serializers.BooleanField(
        help_text="False when the assistant could not answer or found nothing."
    )
    data = serializers.JSONField(allow_null=True, help_text="The scoped figures the answer was built from.")
    language = serializers.CharField()


class PeriodOutput(serializers.Serializer):
    def get_fields(self):
        # "from" is a Python keyword, so the fields are built here rather than declared.
        return {"from": serializers.DateField(allow_null=True), "to": serializers.DateField(allow_null=True)}


class AgingOutput(serializers.Serializer):
    def get_fields(self):
        return {
            label: MoneyField(help_text=f"Overdue {low}{'+' if high is None else f'-{high}'} days past due.")
            for label, low, high in AGING_BUCKETS
        }


class KpisOutput(serializers.Serializer):
    invoiced = MoneyField()
    collected = MoneyField(help_text="Paid so far on the invoices due in the period.")
    pending = MoneyField()
    overdue = MoneyField()
    collection_rate = serializers.DecimalField(
        max_digits=5, decimal_places=RATE_PLACES, coerce_to_string=False, allow_null=True,
        help_text="collected ÷ invoiced, percent; null when nothing was invoiced.",
    )
    payments_received = MoneyField(help_text="Payments dated in the period.")
    invoices = serializers.IntegerField()
    overdue_invoices = serializers.IntegerField()
    students_with_overdue = serializers.IntegerField()
    students_total = serializers.IntegerField()
    students_active = serializers.IntegerField()
    aging = AgingOutput()


class SchoolKpisOutput(KpisOutput):
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()


class DebtorOutput(serializers.Serializer):
    student_id = serializers.UUIDField()
    student_name = serializers.CharField()
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    pending = MoneyField()
    overdue = MoneyField()


class ExecutiveSummaryOutput(_SourceMixin):
    school_id = serializers.UUIDField(allow_null=True)
    period = PeriodOutput()
    kpis = KpisOutput()
    schools = SchoolKpisOutput(many=True)
    top_debtors = DebtorOutput(many=True)
    narrative = serializers.CharField()
    recommendations = serializers.ListField(child=serializers.CharField())
    language = serializers.CharField()


class LastCallOutput(serializers.Serializer):
    succeeded = serializers.BooleanField()
    at = serializers.DateTimeField()
    operation = serializers.CharField()
    error = serializers.CharField(allow_null=True, help_text="Why it fell back: timeout, rate_limited, ...")


class StatusOutput(_SourceMixin):
    mode = SourceField(help_text="`openai` when OPENAI_API_KEY is set, else `rules`.")
    available = serializers.BooleanField(help_text="True when an OpenAI key is configured.")
    model = serializers.CharField(allow_null=True)
    timeout_seconds = serializers.FloatField(help_text="Time budget of the OpenAI part of one request.")
    last_call = LastCallOutput(allow_null=True, help_text="The last OpenAI call; null if none yet.")
    last_call_shared = serializers.BooleanField(
        help_text="True when `last_call` is shared by every worker (Redis); false: this worker only."
    )
