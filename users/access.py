"""Who may see and do what: the one place every app asks, from the API, the admin and the agent.

Seeing: a user sees the rows of the schools they are a member of (every school for a platform
admin). A row of another school does not exist for them: it answers 404, like an unknown or
malformed id. Doing: the caller's role in the row's school decides (403 when too low). A platform
admin (is_superuser) may do everything. Otherwise VIEWER reads; ACCOUNTANT also issues and edits
invoices and records payments; ADMIN also writes students and families, cancels invoices, lowers
invoice amounts, issues credit notes, reverses payments, refunds credit, edits the school and
manages its members.

It lives in `users`, next to the memberships it reads, and raises `core` exceptions only, so any
app above `users` (students, billing, accounting, reports, ai_agent, the API and admin layers)
imports it without a cycle.
"""

from enum import StrEnum
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet

from core.exceptions import NotFound, PermissionDenied
from users.models import ROLE_RANK, Membership, Role, User


class Action(StrEnum):
    VIEW = "view"
    INVOICE_CREATE = "invoice_create"
    INVOICE_EDIT = "invoice_edit"
    PAYMENT_RECORD = "payment_record"
    STUDENT_WRITE = "student_write"
    INVOICE_CANCEL = "invoice_cancel"
    # Lowering an invoice's amount forgives debt (down to what was paid, it settles the invoice):
    # a correction, like cancelling, not an everyday edit.
    INVOICE_AMOUNT_LOWER = "invoice_amount_lower"
    SCHOOL_EDIT = "school_edit"
    MEMBERS_MANAGE = "members_manage"
    OVERDUE_SWEEP = "overdue_sweep"
    FAMILY_WRITE = "family_write"
    # Credit notes, payment reversals and refunds: money corrected after the fact.
    MONEY_CORRECT = "money_correct"
    FEES_WRITE = "fees_write"
    BILLING_RUN = "billing_run"
    SURCHARGE_WAIVE = "surcharge_waive"
    BANK_COLLECTIONS = "bank_collections"
    # Reminder policies and the reminder log (what was sent to which family).
    REMINDERS_MANAGE = "reminders_manage"


REQUIRED_ROLE: dict[Action, Role] = {
    Action.VIEW: Role.VIEWER,
    Action.INVOICE_CREATE: Role.ACCOUNTANT,
    Action.INVOICE_EDIT: Role.ACCOUNTANT,
    Action.PAYMENT_RECORD: Role.ACCOUNTANT,
    Action.OVERDUE_SWEEP: Role.ACCOUNTANT,
    Action.STUDENT_WRITE: Role.ADMIN,
    Action.INVOICE_CANCEL: Role.ADMIN,
    Action.INVOICE_AMOUNT_LOWER: Role.ADMIN,
    Action.SCHOOL_EDIT: Role.ADMIN,
    Action.MEMBERS_MANAGE: Role.ADMIN,
    Action.FAMILY_WRITE: Role.ADMIN,
    Action.MONEY_CORRECT: Role.ADMIN,
    # Fee setup (school years, plans, enrollments, discounts, late-fee policies) and waiving a
    # recargo are the school ADMIN's; issuing the month's invoices and recargos, an ACCOUNTANT's.
    Action.FEES_WRITE: Role.ADMIN,
    Action.BILLING_RUN: Role.ACCOUNTANT,
    Action.SURCHARGE_WAIVE: Role.ADMIN,
    # Bank accounts, statement imports and the review queue of bank lines.
    Action.BANK_COLLECTIONS: Role.ACCOUNTANT,
    Action.REMINDERS_MANAGE: Role.ADMIN,
}


# --- the caller's schools ---------------------------------------------------------------------


def user_school_roles(user: User) -> dict[UUID, str]:
    """The user's role per school id, read once per request and kept on the user object."""
    cached = getattr(user, "_school_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("school_id", "role"))
        user._school_roles = cached
    return cached


def user_school_ids(user: User) -> list[UUID] | None:
    """Schools the user may see; None means every school (platform admin)."""
    if user.is_superuser:
        return None
    return list(user_school_roles(user))


def scope_to_user(queryset: QuerySet, user: User, *, school_field: str = "school") -> QuerySet:
    """Limit any queryset to the rows of the user's schools.

    `school_field` is the path from the row to its school ("school", "invoice__school"), "pk" for
    School itself.
    """
    school_ids = user_school_ids(user)
    if school_ids is None:
        return queryset
    return queryset.filter(**{f"{school_field}__in": school_ids})


def get_visible_or_404(queryset: QuerySet, user: User, pk, *, school_field: str = "school") -> Model:
    """One row of the caller's schools; anything else (unknown, malformed, foreign) is NotFound.

    One query: the caller's membership is joined to the row's school instead of reading the roles
    first (statements and detail pages stay within their query budgets).
    """
    if not user.is_superuser:
        to_school = "" if school_field == "pk" else f"{school_field}__"
        queryset = queryset.filter(**{f"{to_school}memberships__user": user})
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        # ValidationError: a malformed UUID, which is no more a row of ours than an unknown one.
        raise NotFound() from None


# --- what the caller may do -------------------------------------------------------------------


def user_can(user: User, action: Action, school_id: UUID) -> bool:
    """May this user do `action` on rows of this school?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    role = user_school_roles(user).get(school_id)
    return role is not None and ROLE_RANK[Role(role)] >= ROLE_RANK[REQUIRED_ROLE[action]]


def user_can_anywhere(user: User, action: Action) -> bool:
    """May this user do `action` in at least one school? (Shows or hides buttons and routes.)"""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    needed = ROLE_RANK[REQUIRED_ROLE[action]]
    return any(ROLE_RANK[Role(role)] >= needed for role in user_school_roles(user).values())


def school_ids_where(user: User, action: Action) -> list[UUID] | None:
    """Schools where the user may do `action`; None means all (platform admin)."""
    if user.is_superuser:
        return None
    needed = ROLE_RANK[REQUIRED_ROLE[action]]
    return [sid for sid, role in user_school_roles(user).items() if ROLE_RANK[Role(role)] >= needed]


def require(user: User, action: Action, school_id: UUID) -> None:
    """PermissionDenied (403) unless the caller's role in this school allows the action."""
    if not user_can(user, action, school_id):
        raise PermissionDenied()
