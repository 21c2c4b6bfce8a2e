"""Where each millisecond of a request goes: remove one layer at a time and measure the CPU.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_large REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python -m bench.layers --scenario health --scenario me --scenario payment -n 1500

For each scenario and each variant (production settings minus the layers a variant names; see
bench/layer_settings.py) a fresh child process serves `-n` requests through Django's WSGI handler
(the same callable gunicorn calls, minus gunicorn) in one thread, and reports per request:
the child's own CPU time (`app`, process time: other load on the machine barely moves it) and the
CPU time of its PostgreSQL backend (`db`, from /proc, same machine). Variants run interleaved,
`--rounds` times, and the least CPU is kept, so a slow spell on a shared machine hits all of them.
The cost of a layer is `full - (full minus that layer)`. Gunicorn's own share is measured by
bench/run.py (CPU of the gunicorn processes per response) minus this harness's `full`.

Log lines go to a file (as gunicorn's stderr does in the benchmark), not to a terminal.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

VARIANTS = {
    "health": ["", "-mw:all", "-mw:security", "-mw:cors", "-mw:whitenoise", "-mw:session",
               "-mw:locale", "-mw:common", "-mw:csrf", "-mw:auth.middleware", "-mw:message",
               "-mw:clickjacking", "-mw:structlog", "-mw:simple_history", "-mw:axes", "-log",
               "-healthcheck", "locmem"],
    "me": ["", "-mw:all", "-mw:structlog", "-mw:locale", "-log", "-throttle", "-jwt-user-query",
           "-jwt", "-render", "-healthcheck", "locmem", "plain"],
    "payment": ["", "-mw:all", "-mw:structlog", "-log", "-throttle", "-jwt-user-query",
                "-history", "-healthcheck", "locmem"],
    "nothing": [""],
}


def _environ(method: str, path: str, body: bytes, token: str | None) -> dict:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_USER_AGENT": "wrk",
        "HTTP_ACCEPT": "*/*", "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": True,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["CONTENT_TYPE"] = "application/json"
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return environ


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(scenario: str, n: int, offset: int) -> dict:
    import django

    django.setup()
    from decimal import Decimal

    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from rest_framework_simplejwt.tokens import AccessToken

    from billing import rules
    from billing.models import Invoice
    from users.models import Membership, User

    app = get_wsgi_application()
    member = Membership.objects.select_related("user").order_by("user__username").first().user
    admin = User.objects.filter(is_superuser=True).order_by("username").first()
    requests: list[tuple[str, str, bytes, str | None]]
    if scenario == "health":
        requests = [("GET", "/health", b"", None)]
    elif scenario == "nothing":
        requests = [("GET", "/bench/nothing", b"", None)]
    elif scenario in ("me", "me-plain"):
        path = "/api/v1/auth/me" if scenario == "me" else "/bench/me-plain"
        requests = [("GET", path, b"", str(AccessToken.for_user(member)))]
    elif scenario == "payment":
        token = str(AccessToken.for_user(admin))
        # Open invoices with at least a peso left (billing.rules' balance, credit notes included):
        # each request pays 0.01, so none of them can be refused as an overpayment.
        ids = (
            Invoice.objects.open()
            .alias(balance=rules.balance_expression())
            .filter(balance__gte=Decimal("1.00"))
            .order_by("id").values_list("id", flat=True)[offset: offset + n + 20]
        )
        requests = [
            ("POST", "/api/v1/payments",
             json.dumps({"invoice_id": str(i), "amount": "0.01", "method": "CASH"}).encode(), token)
            for i in ids
        ]
    else:
        raise SystemExit(f"unknown scenario {scenario}")

    statuses: dict[str, int] = {}

    def serve(k: int) -> None:
        method, path, body, token = requests[k % len(requests)]
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = status.split()[0]

        chunks = app(_environ(method, path, body, token), start_response)
        b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        statuses[captured["status"]] = statuses.get(captured["status"], 0) + 1

    for k in range(20):  # warm-up: imports, connection, first-use caches
        serve(k)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    statuses.clear()
    db0, cpu0, wall0 = _proc_cpu(backend), time.process_time(), time.perf_counter()
    for k in range(20, 20 + n):
        serve(k)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    # A backend that closed (CONN_MAX_AGE) would have left /proc: the query above keeps it open.
    try:
        db = _proc_cpu(backend) - db0
    except FileNotFoundError:
        db = float("nan")
    return {"app_ms": cpu / n * 1000, "db_ms": db / n * 1000, "wall_ms": wall / n * 1000,
            "statuses": statuses}


def run_child(scenario: str, variant: str, n: int, offset: int, log_path: Path) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.layer_settings",
           "DEBUG": "false", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-layers-" + "k" * 40),
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "false",
           "THROTTLE_USER": "10000000/min", "THROTTLE_ANON": "10000000/min",
           "BENCH_LAYERS": "" if variant == "plain" else variant, "PYTHONDONTWRITEBYTECODE": "1"}
    target = "me-plain" if variant == "plain" else scenario
    with log_path.open("a") as log:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.layers", "--child", target, "-n", str(n), "--offset", str(offset)],
            cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=log, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("LAYERJSON "):
            return json.loads(line[len("LAYERJSON "):])
    raise SystemExit(f"child {scenario} {variant!r} failed; see {log_path}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", action="append", default=[])
    parser.add_argument("--variant", action="append", default=[],
                        help="only these (default: all); `full` is no layer removed; --variant=-log")
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child")
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--log", default="/tmp/bench-layers.log")
    parser.add_argument("--json", help="write the medians here")
    opts = parser.parse_args()
    if opts.child:
        sys.path.insert(0, str(BASE_DIR))
        print("LAYERJSON " + json.dumps(child(opts.child, opts.n, opts.offset)), flush=True)
        return

    log_path = Path(opts.log)
    log_path.write_text("")
    results: dict = {}
    offset = 0
    for scenario in opts.scenario or ["health", "me", "payment"]:
        variants = [("" if v == "full" else v) for v in opts.variant] or VARIANTS[scenario]
        samples: dict[str, list[dict]] = {v: [] for v in variants}
        for _ in range(opts.rounds):
            for variant in variants:
                sample = run_child(scenario, variant, opts.n, offset, log_path)
                samples[variant].append(sample)
                print(f"  {scenario} {variant or 'full'}: app {sample['app_ms']:.2f} "
                      f"db {sample['db_ms']:.2f}",
                      file=sys.stderr, flush=True)
                offset += opts.n + 20 if scenario == "payment" else 0
        full = None
        print(f"\n{scenario}: {opts.n} requests x {opts.rounds} rounds, least CPU; "
              f"load {os.getloadavg()[0]:.2f}")
        print(f"{'variant':<22} {'app ms':>7} {'db ms':>6} {'wall ms':>8} {'saves app+db':>12}  statuses")
        for variant in variants:
            # The least CPU of the rounds: other load inflates CPU time (shared caches, cores),
            # never deflates it, so the minimum is the closest to the code's own cost.
            app = min(s["app_ms"] for s in samples[variant])
            db = min(s["db_ms"] for s in samples[variant])
            wall = statistics.median(s["wall_ms"] for s in samples[variant])
            if variant == "":
                full = app + db
            saves = "" if full is None or variant == "" else f"{full - app - db:+.2f}"
            results.setdefault(scenario, {})[variant or "full"] = {
                "app_ms": app, "db_ms": db, "wall_ms": wall}
            print(f"{variant or 'full':<22} {app:7.2f} {db:6.2f} {wall:8.2f} {saves:>12}  "
                  f"{samples[variant][-1]['statuses']}")
    if opts.json:
        Path(opts.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
