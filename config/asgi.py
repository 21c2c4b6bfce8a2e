import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

# Serving with DEBUG off: refuse a placeholder or short signing key before the first request.
from config.startup import refuse_unsafe_production_settings  # noqa: E402 - needs settings loaded

refuse_unsafe_production_settings()
