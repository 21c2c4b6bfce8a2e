"""Accounts, tokens and school memberships. Each write is one transaction."""

from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from core.exceptions import NotFound
from schools.models import School
from users.exceptions import InvalidCredentials, InvalidRefreshToken, LastSchoolAdmin
from users.models import Membership, Role, User

USERNAME_TAKEN = gettext_lazy("This username is not available; choose another one.")
# One sentence for an unknown username and for a user this caller may not add: they look alike.
MEMBER_UNAVAILABLE = gettext_lazy("No user with this username can be added to this school.")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


def _token_pair(refresh: RefreshToken) -> TokenPair:
    return TokenPair(
        access_token=str(refresh.access_token),
        refresh_token=str(refresh),
        expires_in=int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    )


@transaction.atomic
def user_register(*, username: str, email: str, password: str) -> User:
    """Create an account with no membership: it sees nothing until a school adds it.

    Runs the password validators against the new user's attributes. Usernames are unique
    regardless of case, so "Ana" cannot impersonate "ana". Emails are not unique and never
    reported as taken, so registration cannot reveal whose address has an account.
    Raises django ValidationError (username taken, weak password). Not idempotent: a retry
    after success answers "username not available".
    """
    email = User.objects.normalize_email(email)
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [USERNAME_TAKEN]})
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError:
        # Two registrations of one username at the same moment: the unique index decides.
        raise ValidationError({"username": [USERNAME_TAKEN]}) from None


def token_pair_issue(*, request: HttpRequest | None, username: str, password: str) -> TokenPair:
    """Check the credentials and hand out an access and a refresh token.

    Raises InvalidCredentials (401) for an unknown user, a wrong password or an inactive
    account alike. Django's ModelBackend hashes even for unknown users, so timing does not
    tell them apart either. Safe to retry: each call issues a new pair.
    """
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise InvalidCredentials()
    update_last_login(None, user)
    return _token_pair(RefreshToken.for_user(user))


@transaction.atomic
def token_pair_refresh(*, refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old refresh token stops working.

    Locks the token's outstanding row, so two requests racing with one refresh token cannot
    both get a pair (the second sees it blacklisted). Raises InvalidRefreshToken (401) for a
    malformed, expired, blacklisted or unknown token, or when the account is gone or inactive.
    Not retry-safe by design: a refresh token is single-use.
    """
    try:
        old = RefreshToken(refresh_token)
    except TokenError:
        raise InvalidRefreshToken() from None
    outstanding = (
        OutstandingToken.objects.select_for_update().filter(jti=old[jwt_settings.JTI_CLAIM]).first()
    )
    if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
        raise InvalidRefreshToken()
    user = User.objects.filter(pk=old.get(jwt_settings.USER_ID_CLAIM), is_active=True).first()
    if user is None:
        raise InvalidRefreshToken()
    BlacklistedToken.objects.create(token=outstanding)
    return _token_pair(RefreshToken.for_user(user))


def expired_tokens_flush() -> int:
    """Forget refresh tokens past their expiry (simplejwt's `flushexpiredtokens`), with their
    blacklist entries: an expired token is refused anyway. Returns how many tokens were removed.
    Safe to retry."""
    deleted, by_model = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return by_model.get(OutstandingToken._meta.label, 0)


def _lock_school(school_id: UUID) -> School:
    # Membership changes of one school queue on its row, so two ADMINs demoting each other at
    # the same moment cannot leave the school without one.
    school = School.objects.select_for_update().filter(pk=school_id).first()
    if school is None:
        raise NotFound()
    return school


def _refuse_losing_last_admin(membership: Membership) -> None:
    if membership.role != Role.ADMIN:
        return
    others = Membership.objects.filter(school_id=membership.school_id, role=Role.ADMIN).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise LastSchoolAdmin()


@transaction.atomic
def membership_upsert(*, school_id: UUID, username: str, role: str, actor: User) -> tuple[Membership, bool]:
    """Give a user a role in a school, or change the role they have. Returns (membership, created).

    Who may be added (DESIGN.md, "Who sees what"): a platform admin adds any active user; a
    school ADMIN only a user of no school yet (a colleague who just registered) or a member of this
    school (a role change). A user of another school is refused exactly like an unknown username,
    so a school ADMIN can neither attach a stranger nor learn which usernames exist elsewhere.

    Locks the school row. Raises django ValidationError when no such user may be added or the
    role is unknown, LastSchoolAdmin (409) when it would demote the school's only ADMIN.
    Safe to retry: the same call leaves the same state.
    """
    if role not in Role.values:
        raise ValidationError(
            {
                "role": [
                    gettext_lazy("Unknown role; use one of %(choices)s.")
                    % {"choices": ", ".join(Role.values)}
                ]
            }
        )
    school = _lock_school(school_id)
    user = User.objects.filter(username=username, is_active=True).first()
    if user is not None and not actor.is_superuser:
        elsewhere = Membership.objects.filter(user=user).exclude(school=school).exists()
        in_this_school = Membership.objects.filter(user=user, school=school).exists()
        if elsewhere and not in_this_school:
            user = None
    if user is None:
        raise ValidationError({"username": [MEMBER_UNAVAILABLE]})
    membership = Membership.objects.filter(school=school, user=user).first()
    if membership is None:
        return Membership.objects.create(school=school, user=user, role=role), True
    if membership.role != role:
        if role != Role.ADMIN:
            _refuse_losing_last_admin(membership)
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    return membership, False


@transaction.atomic
def membership_remove(*, school_id: UUID, user_id: UUID, actor: User) -> None:
    """Take a user's access to a school away.

    Locks the school row. Raises NotFound when the user has no membership there (or the id is
    malformed), LastSchoolAdmin (409) for the school's only ADMIN.
    """
    school = _lock_school(school_id)
    try:
        membership = Membership.objects.filter(school=school, user_id=user_id).first()
    except (ValueError, ValidationError):
        membership = None
    if membership is None:
        raise NotFound(gettext("This user has no membership in this school."))
    _refuse_losing_last_admin(membership)
    membership.delete()
