"""`auth/me`'s body (users.api.serializers.user_body) is exactly what UserOutput answers."""

import pytest

from tests.schools.factories import SchoolFactory
from tests.users.factories import MembershipFactory, UserFactory
from users.api.serializers import UserOutput, user_body
from users.models import Membership, Role

pytestmark = pytest.mark.django_db


def _serialized(user):
    memberships = Membership.objects.filter(user=user).select_related("school").order_by("school__name")
    return UserOutput(user, context={"memberships": memberships}).data


@pytest.mark.parametrize("schools", [0, 1, 3])
def test_user_body_equals_the_serializer_s_answer(schools):
    user = UserFactory(first_name="Ána", last_name="", email="")
    for k, role in zip(range(schools), [Role.ADMIN, Role.ACCOUNTANT, Role.VIEWER], strict=False):
        MembershipFactory(user=user, school=SchoolFactory(name=f"Colegio {3 - k}"), role=role)
    assert user_body(user) == _serialized(user)
    assert [m["school_name"] for m in user_body(user)["memberships"]] == sorted(
        f"Colegio {3 - k}" for k in range(schools))


def test_a_platform_admin_s_body_equals_the_serializer_s_answer():
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert user_body(admin) == _serialized(admin)
    assert user_body(admin)["is_platform_admin"] is True
