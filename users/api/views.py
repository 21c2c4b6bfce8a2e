from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.api import PagedListApi, parse
from core.openapi import error_responses, uuid_path_parameter
from core.renderers import JSONParser
from users.access import Action, require
from users.api.serializers import (
    LoginInput,
    MemberInput,
    MemberOutput,
    RefreshInput,
    RegisterInput,
    TokenPairOutput,
    UserOutput,
    user_body,
)
from users.api.throttles import LoginFailureThrottle, RegisterIPThrottle
from users.models import Membership
from users.selectors import school_get
from users.services import (
    membership_remove,
    membership_upsert,
    token_pair_issue,
    token_pair_refresh,
    user_register,
)


def _token_body(pair) -> dict:
    return TokenPairOutput(pair).data


def _user_body(user) -> dict:
    return user_body(user)


class RegisterApi(APIView):
    """Create an account. It has no school membership, so it sees nothing until a school adds it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterIPThrottle, AnonRateThrottle]

    @extend_schema(
        operation_id="auth_register",
        tags=["auth"],
        request=RegisterInput,
        responses={201: UserOutput},
        examples=[
            OpenApiExample(
                "Register",
                request_only=True,
                value={"username": "admin", "email": "admin@test.com", "password": "secret123"},
            )
        ],
    )
    def post(self, request):
        data = parse(RegisterInput, request.data)
        user = user_register(**data)
        return Response(_user_body(user), status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    """Exchange a username and password for tokens. Form-encoded (OAuth2 password flow) or JSON.

    Failed logins are counted per client address; an address past the `login` rate is answered
    429 with Retry-After until the window ends. Failures elsewhere never block a right password.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser]
    throttle_classes = [LoginFailureThrottle]

    @extend_schema(
        operation_id="auth_login",
        tags=["auth"],
        request=LoginInput,
        responses={
            200: TokenPairOutput,
            **error_responses(
                401, descriptions={401: "Invalid username or password (`invalid_credentials`)."}
            ),
        },
    )
    def post(self, request):
        data = parse(LoginInput, request.data)
        pair = token_pair_issue(request=request, username=data["username"], password=data["password"])
        return Response(_token_body(pair))


class RefreshApi(APIView):
    """Exchange a refresh token for a new pair. Each refresh token works once."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_refresh",
        tags=["auth"],
        request=RefreshInput,
        responses={
            200: TokenPairOutput,
            **error_responses(
                401, descriptions={401: "Invalid, expired or already used refresh token (`invalid_token`)."}
            ),
        },
    )
    def post(self, request):
        data = parse(RefreshInput, request.data)
        return Response(_token_body(token_pair_refresh(refresh_token=data["refresh_token"])))


class MeApi(APIView):
    """The signed-in user and their role in each school."""

    @extend_schema(operation_id="auth_me", tags=["auth"], responses={200: UserOutput})
    def get(self, request):
        return Response(_user_body(request.user))


SCHOOL_ID = uuid_path_parameter("school_id", "School id.")
USER_ID = uuid_path_parameter("user_id", "User id.")
MEMBERS_403 = {403: "Only platform admins and this school's ADMINs manage its members (`permission_denied`)."}


@extend_schema_view(
    get=extend_schema(
        operation_id="school_members_list",
        tags=["members"],
        parameters=[SCHOOL_ID],
        responses={200: MemberOutput(many=True), **error_responses(403, descriptions=MEMBERS_403)},
    )
)
class SchoolMemberListApi(PagedListApi):
    """Who has access to a school and with which role. Platform admins and the school's ADMINs."""

    serializer_class = MemberOutput
    filter_backends: list = []

    def _school(self, school_id):
        school = school_get(user=self.request.user, school_id=school_id)
        require(self.request.user, Action.MEMBERS_MANAGE, school.pk)
        return school

    def get_queryset(self):
        school = self._school(self.kwargs["school_id"])
        return (
            Membership.objects.filter(school=school).select_related("user").order_by("user__username", "pk")
        )

    @extend_schema(
        operation_id="school_members_upsert",
        tags=["members"],
        parameters=[SCHOOL_ID],
        request=MemberInput,
        responses={
            200: MemberOutput,
            201: MemberOutput,
            **error_responses(
                403, 409,
                descriptions={
                    **MEMBERS_403,
                    409: "The change would leave the school without an ADMIN (`last_school_admin`).",
                },
            ),
        },
        description="Give a user (by username) a role in this school: 201 when the membership is new, "
        "200 when an existing membership's role changed.",
    )
    def post(self, request, school_id):
        school = self._school(school_id)
        data = parse(MemberInput, request.data)
        membership, created = membership_upsert(school_id=school.pk, actor=request.user, **data)
        return Response(
            MemberOutput(membership).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class SchoolMemberDeleteApi(APIView):
    @extend_schema(
        operation_id="school_members_remove",
        tags=["members"],
        parameters=[SCHOOL_ID, USER_ID],
        responses={
            204: None,
            **error_responses(
                403, 409,
                descriptions={
                    **MEMBERS_403,
                    409: "The user is the school's only ADMIN (`last_school_admin`).",
                },
            ),
        },
        description="Take a user's access to this school away.",
    )
    def delete(self, request, school_id, user_id):
        school = school_get(user=request.user, school_id=school_id)
        require(request.user, Action.MEMBERS_MANAGE, school.pk)
        membership_remove(school_id=school.pk, user_id=user_id, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

