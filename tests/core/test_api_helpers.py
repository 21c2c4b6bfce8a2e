"""core.api and core.filters: the shared pieces every endpoint relies on."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from core.api import InputSerializer, parse, route
from tests.conftest import authenticated_client
from tests.schools.factories import SchoolFactory


class _Input(InputSerializer):
    name = serializers.CharField()
    id = serializers.CharField(read_only=True)


def test_route_takes_an_optional_trailing_slash_and_any_id_up_to_the_next_slash():
    pattern = route("bank-lines/<line_id>/confirm", APIView, "x").pattern

    assert pattern.regex.pattern == r"^bank-lines/(?P<line_id>[^/]+)/confirm/?$"
    assert pattern.match("bank-lines/not-a-uuid/confirm/")[2] == {"line_id": "not-a-uuid"}


def test_route_refuses_a_path_a_regex_would_read_otherwise():
    with pytest.raises(ImproperlyConfigured):
        route("reports/v1.0", APIView, "x")


def test_input_serializer_refuses_unknown_keys_naming_each():
    with pytest.raises(ValidationError) as caught:
        parse(_Input, {"name": "x", "nmae": "y", "extra": 1})
    assert set(caught.value.detail) == {"nmae", "extra"}


def test_input_serializer_refuses_read_only_keys():
    with pytest.raises(ValidationError) as caught:
        parse(_Input, {"name": "x", "id": "123"})
    assert set(caught.value.detail) == {"id"}


def test_input_serializer_refuses_a_body_that_is_not_an_object():
    for body in (["name"], "name", 3, None):
        with pytest.raises(ValidationError):
            parse(_Input, body)


@pytest.mark.django_db
def test_timestamps_are_rendered_in_utc_with_z(admin_user):
    school = SchoolFactory()
    body = authenticated_client(admin_user).get(f"/api/v1/schools/{school.pk}").json()
    assert body["created_at"].endswith("Z")
    assert body["updated_at"].endswith("Z")


@pytest.mark.django_db
def test_ordering_breaks_ties_by_id_so_pages_never_overlap(admin_user):
    for _ in range(7):
        SchoolFactory(name="Mismo nombre")
    client = authenticated_client(admin_user)
    seen = []
    for page in (1, 2, 3, 4):
        seen += [
            s["id"]
            for s in client.get(f"/api/v1/schools?ordering=name&page_size=2&page={page}").json()["results"]
        ]
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value, expected", [("true", 1), ("TRUE", 1), ("1", 1), ("false", 1), ("0", 1), ("", 2)]
)
def test_boolean_filters_accept_true_false_1_0_and_blank(admin_user, value, expected):
    SchoolFactory(is_active=True)
    SchoolFactory(is_active=False)
    response = authenticated_client(admin_user).get(f"/api/v1/schools?is_active={value}")
    assert response.status_code == 200
    assert response.json()["count"] == expected


@pytest.mark.django_db
def test_search_longer_than_200_characters_is_400(admin_user):
    response = authenticated_client(admin_user).get("/api/v1/schools?search=" + "a" * 201)
    assert response.status_code == 400
    assert "search" in response.json()["fields"]
