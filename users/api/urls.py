from django.urls import re_path

from users.api.views import LoginApi, MeApi, RefreshApi, RegisterApi

urlpatterns = [
    re_path(r"^register/?$", RegisterApi.as_view(), name="auth-register"),
    re_path(r"^login/?$", LoginApi.as_view(), name="auth-login"),
    re_path(r"^refresh/?$", RefreshApi.as_view(), name="auth-refresh"),
    re_path(r"^me/?$", MeApi.as_view(), name="auth-me"),
]
