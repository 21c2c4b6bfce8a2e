import os

from django.core.wsgi import get_wsgi_application
from dotenv import load_dotenv

load_dotenv(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".env"))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Serving with DEBUG off: refuse a placeholder or short signing key before the first request.
from config.startup import refuse_unsafe_production_settings  # noqa: E402 - needs settings loaded

refuse_unsafe_production_settings()
