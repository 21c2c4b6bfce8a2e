"""Reminder policies and the reminder log in the back office; "send reminders now" for a family.

ADMINs of the school only (the REMINDERS_MANAGE rule), like the API. Every write goes through the
services: a policy is validated (PROFECO's rules included) and sending is the nightly run itself,
limited to the chosen families, so "now" is still at most once per family, step and invoice set.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reminders import services
from reminders.models import Reminder, ReminderPolicy
from users.access import Action, user_can, user_can_anywhere
from users.admin_scoping import SchoolScopedAdmin, ScopedSchoolFilter, required_action


class _AdminOnlyView:
    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return user_can(request.user, Action.REMINDERS_MANAGE, self.school_id_of(obj))
        return user_can_anywhere(request.user, Action.REMINDERS_MANAGE)


class PolicyForm(forms.ModelForm):
    steps = forms.JSONField(
        help_text=_('A list of steps, e.g. [{"offset_days": -3, "channel": "EMAIL"}, {"offset_days": 7, '
                    '"channel": "SMS", "body_es": "… {balance} … {reference} …"}]. Empty texts use the '
                    "built-in templates; a suspension notice (\"kind\": \"SUSPENSION_NOTICE\") goes only to "
                    "families with three unpaid colegiaturas."),
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
        encoder=None,
    )

    class Meta:
        model = ReminderPolicy
        fields = ["school", "is_active", "language", "text_source", "attach_statement",
                  "suspension_notice_days", "steps"]


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(_AdminOnlyView, SchoolScopedAdmin):
    form = PolicyForm
    add_action = Action.REMINDERS_MANAGE
    change_action = Action.REMINDERS_MANAGE
    list_display = ["school", "is_active", "language", "text_source", "step_summary", "updated_at"]
    list_select_related = ["school"]
    autocomplete_fields = ["school"]
    create_only_fields = ["school"]

    @admin.display(description=_("steps"))
    def step_summary(self, obj):
        return ", ".join(f"{s['offset_days']:+d} {s['channel']}" for s in obj.steps)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in PolicyForm.Meta.fields if name != "school"}
        if change:
            saved = services.policy_update(policy_id=obj.pk, actor=request.user, **data)
        else:
            school_id = form.cleaned_data["school"].pk
            saved = services.policy_create(school_id=school_id, actor=request.user, **data)
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False


@admin.register(Reminder)
class ReminderAdmin(_AdminOnlyView, SchoolScopedAdmin):
    list_display = ["created_at", "family", "step_offset", "kind", "channel", "status", "attempts",
                    "recipient", "sent_at", "school"]
    list_filter = ["status", "channel", "kind", "step_offset", ("school", ScopedSchoolFilter)]
    list_select_related = ["family", "school"]
    search_fields = ["family__name", "family__reference", "recipient"]
    search_help_text = _("Search by family name, payment reference or recipient.")
    raw_id_fields = ["family"]
    date_hierarchy = "created_at"
    actions = ["send_now"]
    readonly_fields = [f.name for f in Reminder._meta.fields if f.name not in ("id", "claim")]
    exclude = ["claim"]

    def has_change_permission(self, request, obj=None):
        return False  # the log is what was sent: never edited

    @required_action(Action.REMINDERS_MANAGE)
    @admin.action(description=_("Send due reminders now to these families"))
    def send_now(self, request, queryset):
        family_ids = list(queryset.values_list("family_id", flat=True).distinct())
        reminders_send_now(self, request, family_ids)


def reminders_send_now(model_admin, request, family_ids) -> None:
    """Run the reminder service for these families today and say what happened."""
    result = services.reminders_send(family_ids=family_ids)
    level = messages.WARNING if result.failed else messages.SUCCESS
    text = ngettext("%(sent)d reminder sent", "%(sent)d reminders sent", result.sent) % {"sent": result.sent}
    if result.failed:
        text += "; " + _("%(failed)d failed (see the reminder log; retried on the next run)") % {
            "failed": result.failed}
    if not result.sent and not result.failed:
        text = _("Nothing is due: every reminder of these families' current steps was already sent, or no "
                 "invoice has reached a step.")
    model_admin.message_user(request, text, level=level)


@required_action(Action.REMINDERS_MANAGE)
@admin.action(description=_("Send due payment reminders now"))
def send_family_reminders_now(model_admin, request, queryset):
    reminders_send_now(model_admin, request, list(queryset.values_list("pk", flat=True)))


def extend_family_admin(site=admin.site) -> None:
    """Offer "send due payment reminders now" on the families list (reminders builds on families; the
    families app knows nothing of reminders, so the action is added from here)."""
    from families.models import Family

    family_admin = site._registry.get(Family)
    if family_admin is not None and send_family_reminders_now not in (family_admin.actions or []):
        family_admin.actions = [*(family_admin.actions or []), send_family_reminders_now]
