from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.health import health

# Each app's api/urls.py at the root of /api/v1/, in this order (the first route that matches wins);
# the reports and the AI agent under a prefix of their own.
API_APPS = [
    "users", "schools", "students", "families", "billing", "fees", "accounting", "banking", "reminders",
    "cfdi",
]
api_v1 = [path("", include(f"{app}.api.urls")) for app in API_APPS] + [
    path("reports/", include("reports.api.urls")),
    path("ai/", include("ai_agent.api.urls")),
]

urlpatterns = [
    re_path(r"^health/?$", health, name="health"),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(r"^redoc/?$", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
]

handler400 = "core.exceptions.json_400"
handler403 = "core.exceptions.json_403"
handler404 = "core.exceptions.json_404"
handler500 = "core.exceptions.json_500"
