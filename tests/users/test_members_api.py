"""School members: platform admins and the school's ADMINs manage who sees the school."""

import pytest

from tests.conftest import authenticated_client, member
from tests.users.factories import MembershipFactory, UserFactory
from users.models import Membership, Role, User

pytestmark = pytest.mark.django_db


def _url(school, user=None):
    base = f"/api/v1/schools/{school.pk}/members"
    return f"{base}/{user.pk}" if user else base


@pytest.fixture
def school_admin(school):
    return member(school, Role.ADMIN)


def test_school_admin_lists_members_with_username_and_role(school, school_admin, other_school):
    viewer = member(school, Role.VIEWER)
    member(other_school, Role.ADMIN)
    response = authenticated_client(school_admin).get(_url(school))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    rows = {row["username"]: row for row in body["results"]}
    assert rows[viewer.username]["role"] == "VIEWER"
    assert rows[viewer.username]["user_id"] == str(viewer.pk)
    assert rows[school_admin.username]["school_id"] == str(school.pk)


def test_member_list_runs_a_bounded_number_of_queries(school, school_admin, django_assert_max_num_queries):
    for _ in range(20):
        member(school, Role.VIEWER)
    client = authenticated_client(school_admin)
    with django_assert_max_num_queries(4):  # memberships, school, count, page
        response = client.get(_url(school) + "/")
    assert response.status_code == 200
    assert response.json()["count"] == 21


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ACCOUNTANT])
def test_viewer_and_accountant_cannot_see_or_manage_members(school, role):
    client = authenticated_client(member(school, role))
    assert client.get(_url(school)).status_code == 403
    outsider = UserFactory()
    response = client.post(_url(school), {"username": outsider.username, "role": "ADMIN"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Membership.objects.filter(user=outsider).exists()


def test_another_schools_members_are_404(school, school_admin, other_school):
    other_admin = member(other_school, Role.ADMIN)
    client = authenticated_client(school_admin)
    assert client.get(_url(other_school)).status_code == 404
    assert (
        client.post(
            _url(other_school), {"username": school_admin.username, "role": "ADMIN"}, format="json"
        ).status_code
        == 404
    )
    assert client.delete(_url(other_school, other_admin)).status_code == 404
    assert Membership.objects.filter(school=other_school).count() == 1


def test_school_admin_adds_a_member_with_201(school, school_admin):
    newcomer = UserFactory()
    response = authenticated_client(school_admin).post(
        _url(school), {"username": newcomer.username, "role": "ACCOUNTANT"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["role"] == "ACCOUNTANT"
    assert Membership.objects.get(user=newcomer, school=school).role == Role.ACCOUNTANT


def test_the_added_member_sees_the_school_at_once(school, school_admin):
    newcomer = UserFactory()
    assert authenticated_client(newcomer).get(f"/api/v1/schools/{school.pk}").status_code == 404
    authenticated_client(school_admin).post(
        _url(school), {"username": newcomer.username, "role": "VIEWER"}, format="json"
    )
    # A new request loads the user afresh, as every real request does.
    fresh = User.objects.get(pk=newcomer.pk)
    assert authenticated_client(fresh).get(f"/api/v1/schools/{school.pk}").status_code == 200


def test_posting_an_existing_member_changes_the_role_with_200(school, school_admin):
    viewer = member(school, Role.VIEWER)
    response = authenticated_client(school_admin).post(
        _url(school), {"username": viewer.username, "role": "ADMIN"}, format="json"
    )
    assert response.status_code == 200
    assert Membership.objects.get(user=viewer, school=school).role == Role.ADMIN
    assert Membership.objects.filter(user=viewer).count() == 1


def test_platform_admin_manages_any_schools_members(admin_user, school):
    user = UserFactory()
    client = authenticated_client(admin_user)
    response = client.post(_url(school), {"username": user.username, "role": "ACCOUNTANT"}, format="json")
    assert response.status_code == 201
    assert client.delete(_url(school, user)).status_code == 204
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "nobody-by-this-name", "role": "VIEWER"}, "username"),
        ({"username": "{existing}", "role": "OWNER"}, "role"),
        ({"username": "{existing}"}, "role"),
        ({"role": "VIEWER"}, "username"),
        ({"username": "{existing}", "role": "VIEWER", "school_id": "x"}, "school_id"),
    ],
)
def test_add_member_refuses_bad_input(school, school_admin, body, field):
    existing = UserFactory()
    body = {k: (existing.username if v == "{existing}" else v) for k, v in body.items()}
    response = authenticated_client(school_admin).post(_url(school), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]
    assert not Membership.objects.filter(user=existing).exists()


def test_an_inactive_user_cannot_be_added(school, school_admin):
    inactive = UserFactory(is_active=False)
    response = authenticated_client(school_admin).post(
        _url(school), {"username": inactive.username, "role": "VIEWER"}, format="json"
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user=inactive).exists()


def test_school_admin_removes_a_member(school, school_admin):
    viewer = member(school, Role.VIEWER)
    response = authenticated_client(school_admin).delete(_url(school, viewer))
    assert response.status_code == 204
    assert not Membership.objects.filter(user=viewer, school=school).exists()


@pytest.mark.parametrize("user_id", ["abc", "00000000-0000-0000-0000-000000000000", "nonmember"])
def test_removing_someone_without_membership_is_404(school, school_admin, user_id):
    if user_id == "nonmember":
        user_id = str(UserFactory().pk)
    response = authenticated_client(school_admin).delete(f"/api/v1/schools/{school.pk}/members/{user_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_only_admin_cannot_be_removed_or_demoted(school, school_admin):
    client = authenticated_client(school_admin)
    response = client.delete(_url(school, school_admin))
    assert response.status_code == 409
    assert response.json()["code"] == "last_school_admin"
    response = client.post(_url(school), {"username": school_admin.username, "role": "VIEWER"}, format="json")
    assert response.status_code == 409
    assert Membership.objects.get(user=school_admin, school=school).role == Role.ADMIN


def test_an_admin_can_leave_when_another_admin_remains(school, school_admin):
    MembershipFactory(school=school, role=Role.ADMIN)
    response = authenticated_client(school_admin).delete(_url(school, school_admin) + "/")
    assert response.status_code == 204


def test_members_need_a_token(api_client, school):
    assert api_client.get(_url(school)).status_code == 401
