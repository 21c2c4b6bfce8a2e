from django.urls import re_path

from families.api.views import FamilyDetailApi, FamilyListApi, FamilyStudentListApi

# `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
urlpatterns = [
    re_path(r"^families/?$", FamilyListApi.as_view(), name="family-list"),
    re_path(r"^families/(?P<family_id>[^/]+)/?$", FamilyDetailApi.as_view(), name="family-detail"),
    re_path(
        r"^families/(?P<family_id>[^/]+)/students/?$", FamilyStudentListApi.as_view(), name="family-students"
    ),
]
