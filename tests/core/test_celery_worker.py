"""Background jobs: a real Celery worker on the local Redis runs a task end to end; without a broker
tasks run inline; the nightly schedule names tasks that exist."""

import datetime
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from billing.models import InvoiceStatus
from billing.tasks import sweep_overdue
from config.celery import app as celery_app
from core.dates import local_today
from core.tasks import nightly_command
from tests.billing.factories import InvoiceFactory
from tests.support.services import app_env

ROOT = Path(settings.BASE_DIR)


def _redis_url() -> str:
    import os

    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(_redis_url(), socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not answering at {_redis_url()} ({exc}); the worker test needs it")
    yield client
    client.close()


@pytest.fixture
def worker(redis_client):
    """A worker subprocess on its own queue of the local Redis; stopped and its keys removed after."""
    queue = f"test-{uuid.uuid4().hex}"
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)
    env = app_env(
        database_url=_database_url(),
        CELERY_BROKER_URL=_redis_url(),
        CELERY_RESULT_BACKEND=_redis_url(),
        CELERY_TASK_ALWAYS_EAGER="false",
        # No remote-control mailbox: it would leave kombu keys shared with other workers behind.
        CELERY_WORKER_ENABLE_REMOTE_CONTROL="false",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h",
         "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    client = Celery(broker=_redis_url(), backend=_redis_url())
    sent: list[str] = []
    try:
        yield client, queue, Path(log.name), sent
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        client.close()
        # Only this test's keys: its queue and kombu's binding of it (both carry the queue's unique
        # name) and its results; other processes may share the Redis database.
        mine = [key for key in redis_client.scan_iter(match=f"*{queue}*")]
        mine += [f"celery-task-meta-{task_id}" for task_id in sent]
        if mine:
            redis_client.delete(*mine)
        Path(log.name).unlink(missing_ok=True)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_overdue_sweep_from_the_broker(worker, redis_client):
    client, queue, log, sent = worker
    late = InvoiceFactory(due_date=local_today() - datetime.timedelta(days=3), status=InvoiceStatus.PENDING)
    InvoiceFactory(due_date=local_today() + datetime.timedelta(days=3), status=InvoiceStatus.PENDING)

    result = client.send_task("billing.tasks.sweep_overdue", queue=queue)
    sent.append(result.id)
    try:
        answer = result.get(timeout=90)
    except Exception as exc:  # the worker's log says why (a failed start, a task error)
        pytest.fail(f"the worker did not run the task: {exc!r}\n{log.read_text()[-3000:]}")

    assert answer == {str(late.school_id): 1}
    late.refresh_from_db()
    assert late.status == InvoiceStatus.OVERDUE
    # Idempotent: the same task again changes nothing.
    again = client.send_task("billing.tasks.sweep_overdue", queue=queue)
    sent.append(again.id)
    assert again.get(timeout=60) == {}


@pytest.mark.django_db
def test_without_a_broker_a_task_runs_inline():
    late = InvoiceFactory(due_date=local_today() - datetime.timedelta(days=1), status=InvoiceStatus.PENDING)

    result = sweep_overdue.delay()

    assert result.get() == {str(late.school_id): 1}
    late.refresh_from_db()
    assert late.status == InvoiceStatus.OVERDUE


def test_tasks_run_inline_when_no_broker_is_configured():
    assert settings.CELERY_BROKER_URL or settings.CELERY_TASK_ALWAYS_EAGER
    if not settings.CELERY_BROKER_URL:
        assert celery_app.conf.task_always_eager


@pytest.mark.django_db
def test_nightly_command_skips_a_command_this_release_does_not_have():
    assert nightly_command.delay("no_such_command").get() == {
        "command": "no_such_command", "skipped": "not installed",
    }


@pytest.mark.django_db
def test_nightly_command_runs_the_command_with_its_arguments():
    late = InvoiceFactory(due_date=local_today() - datetime.timedelta(days=1), status=InvoiceStatus.PENDING)

    answer = nightly_command.delay("sweep_overdue", "--dry-run").get()

    assert "1 invoices would change to OVERDUE" in answer["output"]
    late.refresh_from_db()
    assert late.status == InvoiceStatus.PENDING


@pytest.mark.django_db
def test_the_nightly_recargos_run_the_command_now_that_it_exists():
    entry = celery_app.conf.beat_schedule["apply-late-fees"]

    answer = nightly_command.delay(*entry["args"], "--dry-run").get()

    assert "skipped" not in answer
    assert "Dry run: would charge 0 recargos" in answer["output"]


def test_every_scheduled_task_is_registered():
    celery_app.loader.import_default_modules()
    for name, entry in celery_app.conf.beat_schedule.items():
        assert entry["task"] in celery_app.tasks, name


def test_beat_schedule_holds_the_nightly_jobs():
    scheduled = {
        (entry["task"], tuple(entry.get("args", ()))) for entry in celery_app.conf.beat_schedule.values()
    }
    assert ("billing.tasks.sweep_overdue", ()) in scheduled
    assert ("reminders.tasks.send_reminders", ()) in scheduled
    for command in ("apply_late_fees", "purge_expired"):
        assert ("core.tasks.nightly_command", (command,)) in scheduled
    call_command("check")
