from rest_framework import serializers

from core.api import InputSerializer, MoneyField
from fees.api.serializers import FlatList
from reminders.models import (
    MIN_SUSPENSION_NOTICE_DAYS,
    Channel,
    Reminder,
    StepKind,
    TextSource,
)
from reminders.services import MAX_STEPS, OFFSET_RANGE


class PolicyStepInput(InputSerializer):
    offset_days = serializers.IntegerField(
        min_value=OFFSET_RANGE[0], max_value=OFFSET_RANGE[1],
        help_text="Days from the due date: -3 three days before, 0 the day, 7 a week late.",
    )
    channel = serializers.ChoiceField(choices=list(Channel.values))  # the AI agent's channel set
    # Plain text, checked by the service (a shared "kind" enum name would collide in the schema).
    kind = serializers.CharField(
        default=StepKind.REMINDER, max_length=20,
        help_text="REMINDER (default) or SUSPENSION_NOTICE: sent only to families with three unpaid "
        "colegiaturas, announcing the suspension date at least `suspension_notice_days` (>= 15) ahead "
        "(PROFECO).",
    )
    subject_es = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body_es = serializers.CharField(
        max_length=3000, required=False, allow_blank=True, default="",
        help_text="Empty: the built-in template. Placeholders `{name}`: family_name, school_name, reference, "
        "balance, amount_due, due_date, days, invoices, students, unpaid_colegiaturas, suspension_date, "
        "school_phone, school_email; `{reference}` and `{balance}` are required. A text that threatens to "
        "withhold documents, grades or exams is a 400 `profeco_violation`.",
    )
    subject_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body_en = serializers.CharField(max_length=3000, required=False, allow_blank=True, default="")


class PolicyUpdateInput(InputSerializer):
    is_active = serializers.BooleanField(required=False)
    language = serializers.ChoiceField(choices=[("es", "es"), ("en", "en")], required=False)
    text_source = serializers.ChoiceField(
        choices=TextSource.choices, required=False,
        help_text="AI: the AI agent writes the text (its rules without an OpenAI key); text that fails the "
        "PROFECO check falls back to the template. Suspension notices always use the template.",
    )
    attach_statement = serializers.BooleanField(required=False)
    suspension_notice_days = serializers.IntegerField(min_value=MIN_SUSPENSION_NOTICE_DAYS, max_value=365,
                                                      required=False)
    # Errors inside the list read as flat messages ("[0].channel: ..."), as the error shape requires.
    steps = FlatList(child=PolicyStepInput(), required=False, max_length=MAX_STEPS, min_length=1)


class PolicyCreateInput(PolicyUpdateInput):
    school_id = serializers.UUIDField()
    steps = FlatList(child=PolicyStepInput(), max_length=MAX_STEPS, min_length=1)


class PolicyStepOutput(serializers.Serializer):
    offset_days = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=list(Channel.values))  # the AI agent's channel set
    kind = serializers.CharField(help_text="REMINDER or SUSPENSION_NOTICE.")
    subject_es = serializers.CharField()
    body_es = serializers.CharField()
    subject_en = serializers.CharField()
    body_en = serializers.CharField()


class PolicyOutput(serializers.Serializer):
    id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    is_active = serializers.BooleanField()
    language = serializers.CharField()
    text_source = serializers.ChoiceField(choices=TextSource.choices)
    attach_statement = serializers.BooleanField()
    suspension_notice_days = serializers.IntegerField()
    steps = PolicyStepOutput(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ReminderOutput(serializers.ModelSerializer):
    school_id = serializers.UUIDField()
    family_id = serializers.UUIDField()
    family_name = serializers.CharField(source="family.name")
    status = serializers.CharField(
        help_text="SENDING (claimed, outcome pending), SENT, or FAILED (retried by the next run)."
    )
    channel = serializers.ChoiceField(choices=list(Channel.values))
    kind = serializers.CharField(help_text="REMINDER or SUSPENSION_NOTICE.")
    invoice_ids = serializers.ListField(child=serializers.UUIDField())
    amount_due = MoneyField()
    balance = MoneyField()
    sent_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Reminder
        fields = ["id", "school_id", "family_id", "family_name", "step_offset", "kind", "channel", "status",
                  "attempts", "recipient", "subject", "body", "text_source", "invoice_ids", "amount_due",
                  "balance", "as_of", "sent_at", "last_error", "created_at", "updated_at"]
