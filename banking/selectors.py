"""Reads of bank collections, always limited to the caller's schools."""

from uuid import UUID

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from banking.models import BankAccount, BankLine, BankLineStatus, BankStatement, StatementFormat
from core.filters import SchoolRowsFilterSet
from users.access import get_visible_or_404, scope_to_user
from users.models import User


class BankAccountFilter(SchoolRowsFilterSet):
    class Meta:
        model = BankAccount
        fields = ["school_id", "is_active"]


class BankStatementFilter(django_filters.FilterSet):
    format = django_filters.ChoiceFilter(choices=StatementFormat.choices)

    class Meta:
        model = BankStatement
        fields = ["format"]


class BankLineFilterForm(forms.Form):
    """Refuses a date range whose start is after its end, naming the field at fault."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", gettext_lazy("Must be on or after date_from."))
        return cleaned


class BankLineFilter(django_filters.FilterSet):
    school_id = django_filters.UUIDFilter(field_name="school_id")
    account_id = django_filters.UUIDFilter(field_name="account_id")
    statement_id = django_filters.UUIDFilter(field_name="statement_id")
    status = django_filters.ChoiceFilter(
        choices=BankLineStatus.choices,
        help_text="The review queue is UNMATCHED and SUGGESTED lines.",
    )
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = BankLine
        fields = ["school_id", "account_id", "statement_id", "status", "date_from", "date_to"]
        form = BankLineFilterForm


def bank_account_list(*, user: User) -> QuerySet[BankAccount]:
    return scope_to_user(BankAccount.objects.all(), user)


def bank_account_get(*, user: User, account_id: UUID | str) -> BankAccount:
    return get_visible_or_404(BankAccount.objects.all(), user, account_id)


def bank_statement_list(*, account: BankAccount) -> QuerySet[BankStatement]:
    return BankStatement.objects.filter(account=account)


def bank_line_list(*, user: User) -> QuerySet[BankLine]:
    return scope_to_user(BankLine.objects.all(), user)


def bank_line_get(*, user: User, line_id: UUID | str) -> BankLine:
    return get_visible_or_404(BankLine.objects.all(), user, line_id)
