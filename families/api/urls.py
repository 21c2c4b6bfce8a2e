from core.api import route
from families.api.views import FamilyDetailApi, FamilyListApi, FamilyStudentListApi

urlpatterns = [
    route("families", FamilyListApi, "family-list"),
    route("families/<family_id>", FamilyDetailApi, "family-detail"),
    route("families/<family_id>/students", FamilyStudentListApi, "family-students"),
]
