from django.urls import re_path

from schools.api.views import SchoolDetailApi, SchoolListApi

# `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
# A school's students and members are served by the students and users APIs.
urlpatterns = [
    re_path(r"^schools/?$", SchoolListApi.as_view(), name="school-list"),
    re_path(r"^schools/(?P<school_id>[^/]+)/?$", SchoolDetailApi.as_view(), name="school-detail"),
]
