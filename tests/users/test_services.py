"""users.services: registration, token pairs, memberships, including their races."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.schools.factories import SchoolFactory
from tests.support.concurrency import run_together
from tests.users.factories import MembershipFactory, UserFactory
from users.exceptions import InvalidCredentials, InvalidRefreshToken, LastSchoolAdmin
from users.models import Membership, Role, User
from users.services import (
    membership_remove,
    membership_upsert,
    token_pair_issue,
    token_pair_refresh,
    user_register,
)

PASSWORD = "correct-horse-battery"


@pytest.mark.django_db
def test_user_register_checks_the_password_against_the_username():
    with pytest.raises(ValidationError) as caught:
        user_register(username="juanperez2026", email="j@example.com", password="juanperez2026")
    assert "password" in caught.value.message_dict
    assert not User.objects.exists()


@pytest.mark.django_db
def test_user_register_still_refuses_the_most_common_passwords():
    for weak in ["password", "qwerty123", "12345678"]:
        with pytest.raises(ValidationError):
            user_register(username="someone", email="s@example.com", password=weak)


@pytest.mark.django_db
def test_token_pair_issue_refuses_a_wrong_password():
    user = UserFactory()
    with pytest.raises(InvalidCredentials):
        token_pair_issue(request=None, username=user.username, password="wrong")


@pytest.mark.django_db
def test_token_pair_issue_records_the_last_login():
    user = UserFactory()
    token_pair_issue(request=None, username=user.username, password=PASSWORD)
    user.refresh_from_db()
    assert user.last_login is not None


@pytest.mark.django_db
def test_token_pair_refresh_blacklists_the_old_refresh_token():
    user = UserFactory()
    pair = token_pair_issue(request=None, username=user.username, password=PASSWORD)
    token_pair_refresh(refresh_token=pair.refresh_token)
    assert BlacklistedToken.objects.count() == 1
    with pytest.raises(InvalidRefreshToken):
        token_pair_refresh(refresh_token=pair.refresh_token)


@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_used_by_five_requests_at_once_gives_exactly_one_pair():
    user = UserFactory()
    pair = token_pair_issue(request=None, username=user.username, password=PASSWORD)
    outcomes = run_together(
        5, lambda _: token_pair_refresh(refresh_token=pair.refresh_token), refusals=(InvalidRefreshToken,)
    )
    assert sum(isinstance(outcome, InvalidRefreshToken) for outcome in outcomes) == 4
    assert BlacklistedToken.objects.count() == 1


@pytest.mark.django_db
def test_membership_upsert_creates_then_changes_the_role():
    school, user = SchoolFactory(), UserFactory()
    actor = UserFactory(is_superuser=True)
    _, created = membership_upsert(school_id=school.pk, username=user.username, role=Role.VIEWER, actor=actor)
    membership, created_again = membership_upsert(
        school_id=school.pk, username=user.username, role=Role.ACCOUNTANT, actor=actor
    )
    assert (created, created_again, membership.role) == (True, False, Role.ACCOUNTANT)
    assert Membership.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_membership_upsert_refuses_an_unknown_role():
    school, user = SchoolFactory(), UserFactory()
    with pytest.raises(ValidationError):
        membership_upsert(school_id=school.pk, username=user.username, role="OWNER", actor=user)
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_membership_remove_refuses_the_last_admin():
    membership = MembershipFactory(role=Role.ADMIN)
    with pytest.raises(LastSchoolAdmin):
        membership_remove(school_id=membership.school_id, user_id=membership.user_id, actor=membership.user)
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin():
    school = SchoolFactory()
    first, second = (MembershipFactory(school=school, role=Role.ADMIN) for _ in range(2))
    users = [first.user, second.user]

    def demote(index):
        other = users[1 - index]
        return membership_upsert(
            school_id=school.pk, username=other.username, role=Role.VIEWER, actor=users[index]
        )

    outcomes = run_together(2, demote, refusals=(LastSchoolAdmin,))
    assert sum(isinstance(outcome, LastSchoolAdmin) for outcome in outcomes) == 1
    assert Membership.objects.filter(school=school, role=Role.ADMIN).count() == 1
