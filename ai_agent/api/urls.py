from ai_agent.api import views
from core.api import route

urlpatterns = [
    route("risk-analysis/<student_id>", views.RiskAnalysisApi, "ai-risk-analysis"),
    route("collection-message", views.CollectionMessageApi, "ai-collection-message"),
    route(
        "collection-message/<student_id>", views.StudentCollectionMessageApi, "ai-student-collection-message"
    ),
    route("assistant", views.AssistantApi, "ai-assistant"),
    route("executive-summary", views.ExecutiveSummaryApi, "ai-executive-summary"),
    route("status", views.StatusApi, "ai-status"),
]
