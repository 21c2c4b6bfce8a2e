"""URLs and stand-ins for `bench/layers.py` (benchmark only).

`/bench/me-plain` answers what `auth/me` answers, with the same JWT authentication, serializer and
JSON renderer, from a plain Django view: the difference to `auth/me` is DRF's request/response
cycle (APIView dispatch, Request wrapping, content negotiation, permission and throttle checks,
response finalisation).
"""

from django.http import HttpResponse, JsonResponse
from django.urls import path
from rest_framework_simplejwt.authentication import JWTAuthentication

from config.urls import urlpatterns as project_urls
from core.renderers import JSONRenderer
from users.api.views import _user_body


def me_plain(request):
    found = JWTAuthentication().authenticate(request)
    if found is None:
        return JsonResponse({"code": "not_authenticated"}, status=401)
    body = JSONRenderer().render(_user_body(found[0]))
    return HttpResponse(body, content_type="application/json")


def nothing(request):
    return HttpResponse(b'{"status":"ok"}', content_type="application/json")


urlpatterns = [
    path("bench/me-plain", me_plain),
    path("bench/nothing", nothing),
    *project_urls,
]
