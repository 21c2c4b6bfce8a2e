"""Reads of reminder policies and the reminder log: ADMINs of the school only."""

from uuid import UUID

import django_filters
from django.db.models import QuerySet

from reminders.models import Channel, Reminder, ReminderPolicy, ReminderStatus, StepKind
from users.access import Action, get_visible_or_404, require, school_ids_where
from users.models import User


def _admin_scope(queryset: QuerySet, user: User) -> QuerySet:
    school_ids = school_ids_where(user, Action.REMINDERS_MANAGE)
    return queryset if school_ids is None else queryset.filter(school_id__in=school_ids)


def policy_list(*, user: User) -> QuerySet[ReminderPolicy]:
    return _admin_scope(ReminderPolicy.objects.all(), user).order_by("created_at")


def policy_get(*, user: User, policy_id: UUID | str) -> ReminderPolicy:
    """404 outside the caller's schools; 403 in a school where the caller is not an ADMIN."""
    policy = get_visible_or_404(ReminderPolicy.objects.all(), user, policy_id)
    require(user, Action.REMINDERS_MANAGE, policy.school_id)
    return policy


def reminder_list(*, user: User) -> QuerySet[Reminder]:
    return _admin_scope(Reminder.objects.select_related("family"), user)


def reminder_get(*, user: User, reminder_id: UUID | str) -> Reminder:
    reminder = get_visible_or_404(Reminder.objects.select_related("family"), user, reminder_id)
    require(user, Action.REMINDERS_MANAGE, reminder.school_id)
    return reminder


class ReminderFilter(django_filters.FilterSet):
    school_id = django_filters.UUIDFilter(field_name="school_id")
    family_id = django_filters.UUIDFilter(field_name="family_id", help_text="The reminders of one family.")
    status = django_filters.ChoiceFilter(choices=ReminderStatus.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    kind = django_filters.ChoiceFilter(choices=StepKind.choices)
    step_offset = django_filters.NumberFilter(field_name="step_offset")

    class Meta:
        model = Reminder
        fields = ["school_id", "family_id", "status", "channel", "kind", "step_offset"]


class PolicyFilter(django_filters.FilterSet):
    school_id = django_filters.UUIDFilter(field_name="school_id")

    class Meta:
        model = ReminderPolicy
        fields = ["school_id"]

