from django.urls import re_path

from schools.api.views import SchoolDetailApi, SchoolListApi
from students.api.views import SchoolStudentListApi
from users.api.views import SchoolMemberDeleteApi, SchoolMemberListApi

# `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
urlpatterns = [
    re_path(r"^schools/?$", SchoolListApi.as_view(), name="school-list"),
    re_path(r"^schools/(?P<school_id>[^/]+)/?$", SchoolDetailApi.as_view(), name="school-detail"),
    re_path(
        r"^schools/(?P<school_id>[^/]+)/students/?$", SchoolStudentListApi.as_view(), name="school-students"
    ),
    re_path(
        r"^schools/(?P<school_id>[^/]+)/members/?$", SchoolMemberListApi.as_view(), name="school-members"
    ),
    re_path(
        r"^schools/(?P<school_id>[^/]+)/members/(?P<user_id>[^/]+)/?$",
        SchoolMemberDeleteApi.as_view(),
        name="school-member-detail",
    ),
]
