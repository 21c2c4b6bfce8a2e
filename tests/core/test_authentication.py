"""Bearer tokens (core/authentication.py): the user is read from the database on every request."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.schools.factories import SchoolFactory
from tests.users.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _me(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/api/v1/auth/me")


def test_the_token_s_user_is_the_request_s_user_with_every_field():
    user = UserFactory(first_name="Ana", is_superuser=True)
    MembershipFactory(user=user, school=SchoolFactory(name="Colegio Uno"))
    body = _me(AccessToken.for_user(user)).json()
    assert body["id"] == str(user.pk) and body["username"] == user.username
    assert body["first_name"] == "Ana" and body["is_platform_admin"] is True
    assert body["created_at"] and [m["school_name"] for m in body["memberships"]] == ["Colegio Uno"]


def test_a_user_deactivated_or_deleted_after_the_token_was_issued_is_refused_at_once():
    deactivated, deleted = UserFactory(), UserFactory()
    tokens = AccessToken.for_user(deactivated), AccessToken.for_user(deleted)
    deactivated.is_active = False
    deactivated.save()
    deleted.delete()
    assert [_me(t).status_code for t in tokens] == [401, 401]


def test_a_token_whose_user_id_is_not_an_id_is_refused():
    token = AccessToken.for_user(UserFactory())
    token["user_id"] = "not-a-uuid"
    assert _me(token).status_code == 401
