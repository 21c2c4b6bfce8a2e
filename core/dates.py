from datetime import date

from django.utils import timezone


def local_today() -> date:
    """Today in settings.TIME_ZONE: what "due today" and "overdue" mean to a school."""
    return timezone.localdate()
