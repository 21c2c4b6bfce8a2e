"""Billing's background tasks: thin wrappers over the same services as the management commands."""

from datetime import date

from celery import shared_task

from billing.services import invoice_overdue_sweep


@shared_task(name="billing.tasks.sweep_overdue", max_retries=3, default_retry_delay=300)
def sweep_overdue(as_of: str | None = None) -> dict[str, int]:
    """`manage.py sweep_overdue` as a task: persist OVERDUE; {school_id: invoices changed}.

    Idempotent (a second run changes nothing) and serialised by the sweep's own lock, so beat,
    cron and a person pressing the admin's button can overlap safely.
    """
    changed = invoice_overdue_sweep(as_of=date.fromisoformat(as_of) if as_of else None,
                                    via="task billing.tasks.sweep_overdue")
    return {str(school_id): count for school_id, count in changed.items()}
