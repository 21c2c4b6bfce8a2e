"""Celery: background jobs and the nightly schedule (`celery -A config worker`, `celery -A config beat`).

The broker is `CELERY_BROKER_URL` (default: `REDIS_URL`). With neither set (`make run`, the tests)
every task runs inline, in the caller's process (`task_always_eager`), so the app never needs a
worker to work. Each task calls the same idempotent service as its management command, so a retry,
a redelivery after a worker crash (`acks_late`) or a beat run next to a cron run changes nothing.
"""

import os
import sys

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# The celery command line (worker, beat) reads .env like manage.py does; real variables win. Not
# done on a plain import: the web process and the tests import this module through config/.
if os.path.basename(sys.argv[0]) == "celery" or sys.argv[0].endswith(os.path.join("celery", "__main__.py")):
    from dotenv import load_dotenv

    load_dotenv(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".env"))

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The nightly jobs, in TIME_ZONE (America/Mexico_City unless set): the overdue sweep just after
# midnight, recargos (`apply_late_fees`, fees app) half an hour after it, the idempotency/JWT purge
# in the quiet hours, reminders in the morning when families read them. Commands run by name go
# through `core.tasks.nightly_command` (the same command, arguments and output as cron's), which
# logs and skips a command a worker's release does not have.
app.conf.beat_schedule = {
    "sweep-overdue": {
        "task": "billing.tasks.sweep_overdue",
        "schedule": crontab(hour=0, minute=15),
    },
    "apply-late-fees": {
        "task": "core.tasks.nightly_command",
        "schedule": crontab(hour=0, minute=45),
        "args": ["apply_late_fees"],
    },
    "purge-expired": {
        "task": "core.tasks.nightly_command",
        "schedule": crontab(hour=3, minute=30),
        "args": ["purge_expired"],
    },
    # CFDIs: payment complements prepared and drafts sent to the PAC (retries included), every
    # 10 minutes; the job claims each document, so a slow run overlapping the next is harmless.
    "stamp-cfdi": {
        "task": "cfdi.tasks.stamp_pending",
        "schedule": crontab(minute="*/10"),
    },
    "send-reminders": {
        "task": "reminders.tasks.send_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
}
