"""Background tasks that run a management command by name (the nightly jobs of config/celery.py).

A nightly job is its command: the same idempotent service, the same arguments, the same output in
the logs, whether cron, beat or a person runs it.
"""

import io

import structlog
from celery import shared_task
from django.core.management import call_command, get_commands

logger = structlog.get_logger(__name__)


@shared_task(name="core.tasks.nightly_command", bind=True, max_retries=3, default_retry_delay=300)
def nightly_command(self, command: str, *args: str) -> dict:
    """Run `manage.py <command> <args>`; a command this release does not have is logged and skipped.

    Recargos (`apply_late_fees`), the purge (`purge_expired`) and reminders (`send_reminders`) are
    scheduled by name, so the schedule never breaks a worker that lacks one of them. A failure is
    retried (three times, five minutes apart): the commands are idempotent.
    """
    if command not in get_commands():
        logger.warning("nightly_command.missing", command=command)
        return {"command": command, "skipped": "not installed"}
    out = io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=out)
    except Exception as exc:
        logger.exception("nightly_command.failed", command=command, args=list(args))
        raise self.retry(exc=exc) from exc
    output = out.getvalue().strip()
    logger.info("nightly_command.done", command=command, args=list(args), output=output[-2000:])
    return {"command": command, "output": output}
