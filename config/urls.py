from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.health import health

api_v1 = [
    path("", include("users.api.urls")),
    path("", include("schools.api.urls")),
    path("", include("students.api.urls")),
    path("", include("families.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("fees.api.urls")),
    path("", include("accounting.api.urls")),
    path("", include("banking.api.urls")),
    path("", include("reminders.api.urls")),
    path("", include("cfdi.api.urls")),
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
