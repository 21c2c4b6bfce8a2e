# The Celery app is loaded with Django, so `task.delay()` anywhere uses its settings (broker, or
# inline execution when there is none).
from config.celery import app as celery_app

__all__ = ("celery_app",)
