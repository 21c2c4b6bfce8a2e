"""Benchmark of the monthly billing run and the recargos at school-network scale.

    python -m bench.fee_runs [--size large | --schools 100 --students 500]   # also the end of `make bench`

Creates a fresh PostgreSQL database (BENCH_PG, default postgresql://postgres@127.0.0.1:5432;
database `bench_fee_runs`), migrates it, and writes --schools schools of --students students
each (set-based), every school with a school year, one fee plan (colegiatura Sept-June on the
10th), all its students enrolled, becas of 25 % or 50 % for 15 % of them, pronto pago for 20 %,
and a late-fee policy (150.00 after 5 days' grace, then 5 % at 30 days, capped at 500.00). Then it
times, as operators run them (`manage.py`, Django start-up included):

1. `generate_invoices --period 2026-09`: one invoice per student (the target: 50,000 in < 30 s);
2. the same again: issues nothing (idempotent);
3. `apply_late_fees --as-of 2026-10-20`: nothing was paid, so two tiers per invoice;
4. the same again: charges nothing.

Prints one table; the database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DB_NAME = "bench_fee_runs"


def _server_dsn() -> str:
    return os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def _recreate(name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{_server_dsn()}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def _env() -> dict:
    return {
        **os.environ, "DATABASE_URL": f"{_server_dsn()}/{DB_NAME}", "SECRET_KEY": "bench-fee-runs",
        "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING",
    }


def _manage(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "manage.py", *args], env=_env(), cwd=BASE_DIR, text=True,
                          capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return seconds, proc.stdout.strip().splitlines()[-1]


def _populate(schools: int, students: int) -> None:
    """Schools, students and their fee setup, written set-based (runs in a child process)."""
    code = f"""
import random, uuid
from datetime import date
from decimal import Decimal
import django
django.setup()
from django.db import transaction
from fees import services
from fees.models import Discount, Enrollment
from schools.models import School
from students.models import Student

rng = random.Random(2026)
TEN = [9, 10, 11, 12, 1, 2, 3, 4, 5, 6]
with transaction.atomic():
    for s in range({schools}):
        school = School.objects.create(name=f"Colegio {{s:03d}}")
        pupils = [Student(school=school, first_name=f"Alumno{{i}}", last_name="Bench", grade=str(1 + i % 6))
                  for i in range({students})]
        Student.objects.bulk_create(pupils, batch_size=2000)
        year = services.school_year_create(school_id=school.pk, name="2026-2027",
                                           starts_on=date(2026, 8, 17), ends_on=date(2027, 7, 9))
        plan = services.fee_plan_create(school_year_id=year.pk, name="General", items=[
            {{"concept_kind": "TUITION", "description": "Colegiatura", "amount": Decimal("3800.00"),
              "schedule": "MONTHLY", "months": TEN, "due_day": 10}}])
        Enrollment.objects.bulk_create([
            Enrollment(school=school, school_year=year, student=p, plan=plan, starts_on=year.starts_on)
            for p in pupils], batch_size=2000)
        discounts = []
        for p in pupils:
            roll = rng.random()
            if roll < 0.15:
                discounts.append(Discount(school=school, student=p, kind="SCHOLARSHIP",
                                          percent=rng.choice([25, 50]), concept_kinds=["TUITION"],
                                          valid_from=date(2026, 8, 1), reason="Beca"))
            elif roll < 0.35:
                discounts.append(Discount(school=school, student=p, kind="EARLY_PAYMENT", percent=5,
                                          concept_kinds=["TUITION"], valid_from=date(2026, 8, 1),
                                          reason="Pronto pago", early_payment_day=5))
        Discount.objects.bulk_create(discounts, batch_size=2000)
        services.late_fee_policy_create(
            school_id=school.pk, grace_days=5, cap=Decimal("500.00"), concept_kinds=["TUITION"],
            tiers=[{{"from_day": 1, "amount": Decimal("150.00")}}, {{"from_day": 30, "percent": 5}}])
"""
    proc = subprocess.run([sys.executable, "-c", code], env=_env(), cwd=BASE_DIR, text=True,
                          capture_output=True, check=False)
    if proc.returncode:
        raise SystemExit(f"populating failed:\n{proc.stderr[-4000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", help="schools and students of a `make bench` size (bench.run.SIZES)")
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--students", type=int, default=500, help="per school")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    opts = parser.parse_args(argv)
    if opts.size:
        from bench.run import SIZES

        if opts.size not in SIZES:
            parser.error(f"--size: one of {', '.join(sorted(SIZES))}")
        opts.schools, opts.students = SIZES[opts.size].schools, SIZES[opts.size].students

    _recreate(DB_NAME)
    try:
        migrate_s, _ = _manage("migrate", "--noinput")
        started = time.perf_counter()
        _populate(opts.schools, opts.students)
        populate_s = time.perf_counter() - started
        rows = [
            ("migrate", migrate_s, ""),
            (f"populate ({opts.schools} x {opts.students} students, plans, discounts)", populate_s, ""),
        ]
        for label, args in [
            ("generate_invoices --period 2026-09", ["generate_invoices", "--period", "2026-09"]),
            ("generate_invoices again (idempotent)", ["generate_invoices", "--period", "2026-09"]),
            ("apply_late_fees --as-of 2026-10-20", ["apply_late_fees", "--as-of", "2026-10-20"]),
            ("apply_late_fees again (idempotent)", ["apply_late_fees", "--as-of", "2026-10-20"]),
        ]:
            seconds, summary = _manage(*args)
            rows.append((label, seconds, summary))
        width = max(len(label) for label, _, _ in rows)
        print(f"{'step':<{width}}  seconds  result")
        for label, seconds, summary in rows:
            print(f"{label:<{width}}  {seconds:7.1f}  {summary}")
    finally:
        if not opts.keep:
            _recreate(DB_NAME, drop_only=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
