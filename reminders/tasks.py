"""Reminders as background jobs: the nightly run and "send now" for one family."""

from datetime import date

from celery import shared_task

from reminders.services import reminders_send


@shared_task(name="reminders.tasks.send_reminders", max_retries=3, default_retry_delay=300)
def send_reminders(as_of: str | None = None, family_ids: list[str] | None = None) -> dict:
    """`manage.py send_reminders` as a task; at most once per family, step and invoice set."""
    result = reminders_send(as_of=date.fromisoformat(as_of) if as_of else None, family_ids=family_ids)
    return result.as_dict()
