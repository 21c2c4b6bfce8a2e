import os

from django.core.asgi import get_asgi_application
from dotenv import load_dotenv

# Like wsgi.py: a .env next to the project fills what the environment does not set.
load_dotenv(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".env"))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

# Serving with DEBUG off: refuse a placeholder or short signing key before the first request.
from config.startup import refuse_unsafe_production_settings  # noqa: E402 - needs settings loaded

refuse_unsafe_production_settings()
