from django.urls import re_path

from ai_agent.api import views

urlpatterns = [
    re_path(
        r"^risk-analysis/(?P<student_id>[^/]+)/?$", views.RiskAnalysisApi.as_view(), name="ai-risk-analysis"
    ),
    re_path(r"^collection-message/?$", views.CollectionMessageApi.as_view(), name="ai-collection-message"),
    re_path(
        r"^collection-message/(?P<student_id>[^/]+)/?$",
        views.StudentCollectionMessageApi.as_view(),
        name="ai-student-collection-message",
    ),
    re_path(r"^assistant/?$", views.AssistantApi.as_view(), name="ai-assistant"),
    re_path(r"^executive-summary/?$", views.ExecutiveSummaryApi.as_view(), name="ai-executive-summary"),
    re_path(r"^status/?$", views.StatusApi.as_view(), name="ai-status"),
]
