import functools

from django.contrib.auth.validators import UnicodeUsernameValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import InputSerializer
from users.models import Membership, Role, User

# Long enough for any passphrase, short enough that hashing it cannot be used to burn CPU.
PASSWORD_MAX_LENGTH = 1024


class RegisterInput(InputSerializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True,
        style={"input_type": "password"},
    )


class LoginInput(InputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, style={"input_type": "password"}
    )
    # Sent by OAuth2 "password flow" clients (FastAPI's OAuth2PasswordRequestForm); accepted
    # so they keep working, and otherwise ignored.
    grant_type = serializers.ChoiceField(choices=["password"], required=False)
    scope = serializers.CharField(required=False, allow_blank=True, max_length=500)


class RefreshInput(InputSerializer):
    refresh_token = serializers.CharField(max_length=2000)


class TokenPairOutput(serializers.Serializer):
    access_token = serializers.CharField(help_text="Send as `Authorization: Bearer <access_token>`.")
    token_type = serializers.ChoiceField(choices=["bearer"])
    refresh_token = serializers.CharField(
        help_text="Single use: POST it to /api/v1/auth/refresh for a new pair."
    )
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class UserMembershipOutput(serializers.ModelSerializer):
    school_id = serializers.UUIDField()
    school_name = serializers.CharField(source="school.name")
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["school_id", "school_name", "role"]


class UserOutput(serializers.ModelSerializer):
    is_platform_admin = serializers.BooleanField(
        source="is_superuser", help_text="Platform admins see and manage every school."
    )
    created_at = serializers.DateTimeField(source="date_joined")
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id", "username", "email", "first_name", "last_name", "is_active", "is_platform_admin",
            "created_at", "memberships",
        ]

    @extend_schema_field(UserMembershipOutput(many=True))
    def get_memberships(self, user) -> list[dict]:
        memberships = self.context.get("memberships", [])
        return UserMembershipOutput(memberships, many=True).data


@functools.cache
def _user_output_fields():
    """UserOutput's fields, built once per process (a ModelSerializer builds them per instance)."""
    return {name: field for name, field in UserOutput().fields.items() if name != "memberships"}


def user_body(user) -> dict:
    """What `UserOutput(user, context={"memberships": ...}).data` answers, at a fraction of the CPU.

    `auth/me` answers this on every call; building UserOutput's fields from the model took more
    CPU than the rest of the view (bench/README.md). Each value still goes through its field's
    own `to_representation`; tests/users/test_me_body.py checks the two are equal.
    """
    body = {}
    for name, field in _user_output_fields().items():
        value = field.get_attribute(user)
        body[name] = None if value is None else field.to_representation(value)
    body["memberships"] = [
        {"school_id": str(school_id), "school_name": school_name, "role": role}
        for school_id, school_name, role in Membership.objects.filter(user=user)
        .order_by("school__name")
        .values_list("school_id", "school__name", "role")
    ]
    return body


class MemberInput(InputSerializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)


class MemberOutput(serializers.ModelSerializer):
    user_id = serializers.UUIDField()
    school_id = serializers.UUIDField()
    username = serializers.CharField(source="user.username")
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["user_id", "username", "email", "school_id", "role", "created_at", "updated_at"]
