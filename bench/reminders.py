"""Benchmark: `send_reminders` for 10,000 families with the console backends (target: under a minute).

    .venv/bin/python -m bench.reminders                      # PostgreSQL database bench_reminders
    .venv/bin/python -m bench.reminders --families 2000 --database-url sqlite:////tmp/bench-rem.sqlite3

Builds one school with N families (one child each, one colegiatura each) whose invoices sit at
every step of the default policy (-3, 0, +7, +15, +30 days; one in ten also three months behind,
for the suspension notice), then times one full run (every reminder sent: email through Django's
console backend, SMS and WhatsApp through the console text backend, their output sent to
/dev/null so the terminal does not set the pace), and a second run (nothing left to send: the
at-most-once check alone). The database is created fresh (PostgreSQL: dropped and recreated).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import sys
import time
import uuid
from decimal import Decimal

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_reminders"


def _fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path + suffix)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-reminders-only")
    os.environ.pop("REDIS_URL", None)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load(families: int) -> None:
    from billing.models import Invoice, InvoiceStatus
    from core.dates import local_today
    from families.models import Family, FamilyReferenceCounter
    from families.validators import reference_from_number
    from reminders.services import default_policy_ensure
    from schools.models import School
    from students.models import Student

    today = local_today()
    school = School.objects.create(name="Colegio Benchmark", address="Av. Reforma 1", phone="55 5555 0000",
                                   email="caja@benchmark.edu.mx")
    default_policy_ensure(school_id=school.pk)
    offsets = [-3, 0, 7, 15, 30]
    family_rows, student_rows, invoice_rows = [], [], []
    for n in range(1, families + 1):
        family = Family(id=uuid.uuid4(), school=school, name=f"Familia {n:05d}", phone=f"55{n:08d}",
                        email=f"familia{n}@example.com", reference=reference_from_number(n))
        student = Student(id=uuid.uuid4(), school=school, first_name=f"Alumno{n}", last_name="Bench",
                          family_id=family.id)
        family_rows.append(family)
        student_rows.append(student)
        due = today - datetime.timedelta(days=offsets[n % len(offsets)])
        dues = [due] + ([today - datetime.timedelta(days=d) for d in (61, 91, 121)] if n % 10 == 0 else [])
        for i, day in enumerate(dues):
            invoice_rows.append(Invoice(
                school=school, student_id=student.id, number=f"B-{n:06d}-{i}", amount=Decimal("4500.00"),
                paid_amount=Decimal("0.00"), due_date=day, description="Colegiatura",
                status=InvoiceStatus.OVERDUE if day < today else InvoiceStatus.PENDING,
            ))
    Family.objects.bulk_create(family_rows, batch_size=2000)
    FamilyReferenceCounter.objects.create(school=school, last_value=families)
    Student.objects.bulk_create(student_rows, batch_size=2000)
    Invoice.objects.bulk_create(invoice_rows, batch_size=2000)


def _timed_run():
    from django.conf import settings

    from reminders import channels
    from reminders.services import reminders_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.SMS_BACKEND = settings.WHATSAPP_BACKEND = "reminders.channels.ConsoleTextBackend"
    channels._backends.clear()
    started, cpu = time.monotonic(), time.process_time()
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        result = reminders_send()
    result.cpu_seconds = time.process_time() - cpu
    return time.monotonic() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_REMINDERS_DB", DEFAULT_URL))
    args = parser.parse_args()
    _fresh_database(args.database_url)
    _setup(args.database_url)
    started = time.monotonic()
    _load(args.families)
    print(f"loaded {args.families} families in {time.monotonic() - started:.1f}s ({args.database_url})")

    seconds, first = _timed_run()
    by_step = dict(sorted(first.by_step.items()))
    print(f"first run : {seconds:6.2f}s wall, {first.cpu_seconds:.2f}s CPU (this process); "
          f"sent {first.sent} "
          f"(by step {by_step}), failed {first.failed} -> {first.sent / seconds:,.0f} reminders/s")
    seconds_again, second = _timed_run()
    print(f"second run: {seconds_again:6.2f}s wall, {second.cpu_seconds:.2f}s CPU; sent {second.sent} "
          "(nothing left: at most once)")
    target = 60.0
    verdict = "MET" if seconds < target else "MISSED"
    print(f"target: {args.families} families under {target:.0f}s -> {verdict}")
    sys.exit(0 if seconds < target else 1)


if __name__ == "__main__":
    main()
