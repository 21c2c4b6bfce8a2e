"""Issue 18's side-by-side run against the earlier implementation, with ../shared/bench's tools as
they are: a fresh database, gunicorn with two workers as in production, the 20,003 writes of
`load.py` through our API, then `measure.py`'s twelve reads at 8 connections, compared with the
baseline's two-worker figures.

    .venv/bin/python -m bench.side_by_side [--workers 2] [--threads 4] [--only invoices]

`load.py` needs httpx: it runs in a venv of its own (.bench-venv, made on first use).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.run import (
    BASE_DIR,
    GUNICORN,
    PYTHON,
    free_port,
    log,
    recreate_database,
    redis_flush,
    timed_manage,
    wait_healthy,
)

TOOLS = BASE_DIR.parent / "shared" / "bench"
BASELINE = TOOLS / "baseline" / "seed-63cfe8a-2workers-2026-12-04-measure.json"
LOADER_VENV = BASE_DIR / ".bench-venv"


def loader_python() -> str:
    python = LOADER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LOADER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "httpx"], check=True)
    return str(python)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--database", default="bench_side_by_side")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--only", help="measure.py's --only (the load always runs whole)")
    parser.add_argument("--measure-only", action="store_true",
                        help="keep the database and manifest of the last run: measure the reads again")
    parser.add_argument("--out", default=str(BASE_DIR / "bench" / "results" / "side_by_side"))
    opts = parser.parse_args(argv)

    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(16)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({
        "DATABASE_URL": f"{opts.server}/{opts.database}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "THROTTLE_USER": "10000000/min",
        "THROTTLE_ANON": "10000000/min",
        "THROTTLE_LOGIN": "10000/min",
        "DJANGO_SUPERUSER_USERNAME": "bench",
        "DJANGO_SUPERUSER_PASSWORD": password,
        "DJANGO_SUPERUSER_EMAIL": "bench@example.com",
    })
    env.pop("REDIS_URL", None)
    if redis_flush(opts.redis):
        env["REDIS_URL"] = opts.redis

    manage_log = out / "manage.log"
    if opts.measure_only:
        # A new password each run: set it on the existing superuser.
        steps = [["shell", "-c", "from users.models import User; u = User.objects.get(username='bench'); "
                  f"u.set_password('{password}'); u.save()"]]
    else:
        log(f"creating database {opts.database}")
        recreate_database(opts.server, opts.database)
        steps = [["migrate", "--noinput"], ["createsuperuser", "--noinput"]]
    for step in steps:
        _, rc = timed_manage(step, env, manage_log)
        if rc:
            raise SystemExit(f"{step[0]} failed; see {manage_log}")

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log(f"starting gunicorn on {base_url} ({opts.workers} workers x {opts.threads} threads)")
    gunicorn = subprocess.Popen(
        [GUNICORN, "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(opts.workers), "--threads", str(opts.threads), "--timeout", "60"],
        env=env, cwd=BASE_DIR, stdout=(out / "gunicorn.log").open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        wait_healthy(base_url, gunicorn)
        credentials = ["--base-url", base_url, "--username", "bench", "--password", password]
        manifest = out / "manifest.json"
        started = time.monotonic()
        if not opts.measure_only:
            subprocess.run(
                [loader_python(), str(TOOLS / "load.py"), *credentials, "--schools", "5",
                 "--students-per-school", "200", "--invoices-per-student", "10", "--seed", "42",
                 "--anchor-date", "2026-11-29", "--manifest", str(manifest)],
                check=True)
            log(f"load: {time.monotonic() - started:.1f} s (baseline 107 s, target <= 54 s)")
        ours = out / "ours.json"
        subprocess.run(
            [PYTHON, str(TOOLS / "measure.py"), *credentials, "--manifest", str(manifest),
             "--label", "ours", "--out", str(ours), *(["--only", opts.only] if opts.only else [])],
            check=True)
        subprocess.run([PYTHON, str(TOOLS / "measure.py"), "--compare", str(BASELINE), str(ours)], check=True)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
