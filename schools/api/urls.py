from core.api import route
from schools.api.views import SchoolDetailApi, SchoolListApi

# A school's students and members are served by the students and users APIs.
urlpatterns = [
    route("schools", SchoolListApi, "school-list"),
    route("schools/<school_id>", SchoolDetailApi, "school-detail"),
]
