"""What each role may do. The API permissions and the admin both ask here, so they agree.

A platform admin (is_superuser) may do everything. Otherwise the caller's role in the school of
the row decides: VIEWER reads; ACCOUNTANT also issues and edits invoices and records payments;
ADMIN also writes students and families, cancels invoices, issues credit notes, reverses payments,
refunds credit, edits the school and manages its members.
"""

from enum import StrEnum
from uuid import UUID

from users.models import ROLE_RANK, Role, User
from users.selectors import user_school_roles


class Action(StrEnum):
    VIEW = "view"
    INVOICE_CREATE = "invoice_create"
    INVOICE_EDIT = "invoice_edit"
    PAYMENT_RECORD = "payment_record"
    STUDENT_WRITE = "student_write"
    INVOICE_CANCEL = "invoice_cancel"
    SCHOOL_EDIT = "school_edit"
    MEMBERS_MANAGE = "members_manage"
    OVERDUE_SWEEP = "overdue_sweep"
    FAMILY_WRITE = "family_write"
    # Credit notes, payment reversals and refunds: money corrected after the fact.
    MONEY_CORRECT = "money_correct"
    FEES_WRITE = "fees_write"
    BILLING_RUN = "billing_run"
    SURCHARGE_WAIVE = "surcharge_waive"


REQUIRED_ROLE: dict[Action, Role] = {
    Action.VIEW: Role.VIEWER,
    Action.INVOICE_CREATE: Role.ACCOUNTANT,
    Action.INVOICE_EDIT: Role.ACCOUNTANT,
    Action.PAYMENT_RECORD: Role.ACCOUNTANT,
    Action.OVERDUE_SWEEP: Role.ACCOUNTANT,
    Action.STUDENT_WRITE: Role.ADMIN,
    Action.INVOICE_CANCEL: Role.ADMIN,
    Action.SCHOOL_EDIT: Role.ADMIN,
    Action.MEMBERS_MANAGE: Role.ADMIN,
    Action.FAMILY_WRITE: Role.ADMIN,
    Action.MONEY_CORRECT: Role.ADMIN,
    # Fee setup (school years, plans, enrollments, discounts, late-fee policies) and waiving a
    # recargo are the school ADMIN's; issuing the month's invoices and recargos, an ACCOUNTANT's.
    Action.FEES_WRITE: Role.ADMIN,
    Action.BILLING_RUN: Role.ACCOUNTANT,
    Action.SURCHARGE_WAIVE: Role.ADMIN,
}


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
