from django.urls import re_path

from users.api.views import (
    LoginApi,
    MeApi,
    RefreshApi,
    RegisterApi,
    SchoolMemberDeleteApi,
    SchoolMemberListApi,
)

# `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
urlpatterns = [
    re_path(r"^auth/register/?$", RegisterApi.as_view(), name="auth-register"),
    re_path(r"^auth/login/?$", LoginApi.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", RefreshApi.as_view(), name="auth-refresh"),
    re_path(r"^auth/me/?$", MeApi.as_view(), name="auth-me"),
    re_path(
        r"^schools/(?P<school_id>[^/]+)/members/?$", SchoolMemberListApi.as_view(), name="school-members"
    ),
    re_path(
        r"^schools/(?P<school_id>[^/]+)/members/(?P<user_id>[^/]+)/?$",
        SchoolMemberDeleteApi.as_view(),
        name="school-member-detail",
    ),
]
