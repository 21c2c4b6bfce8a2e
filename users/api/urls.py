from core.api import route
from users.api.views import (
    LoginApi,
    MeApi,
    RefreshApi,
    RegisterApi,
    SchoolMemberDeleteApi,
    SchoolMemberListApi,
)

urlpatterns = [
    route("auth/register", RegisterApi, "auth-register"),
    route("auth/login", LoginApi, "auth-login"),
    route("auth/refresh", RefreshApi, "auth-refresh"),
    route("auth/me", MeApi, "auth-me"),
    route("schools/<school_id>/members", SchoolMemberListApi, "school-members"),
    route("schools/<school_id>/members/<user_id>", SchoolMemberDeleteApi, "school-member-detail"),
]
