"""Stand-ins that `bench/layer_settings.py` swaps in for one layer each (benchmark only).

Kept apart from bench/layer_urls.py: DRF imports these while APIView itself is being defined.
"""

from rest_framework.renderers import BaseRenderer
from rest_framework_simplejwt.authentication import JWTAuthentication

_USERS: dict = {}


class JWTUserPreloaded(JWTAuthentication):
    """Decodes and verifies the token as usual; the user comes from memory, not from a query."""

    def get_user(self, validated_token):
        user_id = validated_token["user_id"]
        if user_id not in _USERS:
            _USERS[user_id] = super().get_user(validated_token)
        return _USERS[user_id]


class FixedUser(JWTUserPreloaded):
    """No token work at all: the user of the first request, from memory."""

    _cached = None

    def authenticate(self, request):
        if FixedUser._cached is None:
            FixedUser._cached = super().authenticate(request)
        return FixedUser._cached


class ConstantRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"{}"
