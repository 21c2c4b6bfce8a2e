"""One-command benchmark: `make bench [SIZE=tiny|small|large]` (or `python -m bench.run --size small`).

Creates a fresh PostgreSQL database, seeds it with `manage.py seed`, times the seed and the overdue
sweep, serves the app with gunicorn as in production (DEBUG off, Redis cache, generated
SECRET_KEY), logs in through the API, drives each scenario with wrk on loopback and prints one
table. See bench/README.md for what each column means and the latest figures.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_UP, Decimal
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
# The interpreter running this script is the project's (make bench uses .venv/bin/python).
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
LUA = str(BENCH_DIR / "load.lua")
API = "/api/v1"


@dataclass(frozen=True)
class Size:
    schools: int
    students: int
    months: int
    duration: int  # seconds per scenario
    students_sample: int  # distinct students for cold statements
    pay_distinct: int  # distinct invoices for the payment run
    # At most this many requests per scenario (the smoke run: check that everything answers
    # without loading a machine that is running the test suite); None: as many as the duration.
    max_requests: int | None = None
    # Schools that get the seed's demo bank statements (None: every school). Each import matches
    # through the banking service, about a second a school: xlarge keeps it to a sample.
    bank_schools: int | None = None


SIZES = {
    "tiny": Size(schools=2, students=15, months=3, duration=1,
                 students_sample=30, pay_distinct=60, max_requests=24),
    "small": Size(schools=10, students=500, months=12, duration=5,
                  students_sample=5000, pay_distinct=6000),
    "large": Size(schools=100, students=500, months=12, duration=10,
                  students_sample=10000, pay_distinct=12000),
    # Issue 18's ten times the data: 6,000,000 invoices.
    "xlarge": Size(schools=1000, students=500, months=12, duration=10,
                   students_sample=10000, pay_distinct=12000, bank_schools=100),
}

# Targets of issue 8 (large dataset, cache cold unless stated). Checked on every size, binding at large.
LIST_P50_MS, LIST_MAX_QUERIES = 25, 6
SCHOOL_STATEMENT_P50_MS = 60
REPORT_P50_MS, REPORT_WARM_P50_MS = 100, 10
PAYMENTS_MIN_RPS = 250
SEED_MAX_S, SWEEP_MAX_S = 180, 15
CONTENDED = 4  # invoices shared by the 16 clients of the contended payment run
FAMILY_INVOICES = 12  # invoices one family payment is spread across (issue 14)

# The seven reports. Cache-cold requests must all differ while asking for the same work: reports
# with a date filter move its floor back one day at a time before any data (same rows, new cache
# key); the two without one walk through their orderings (same rows, sorted another way).
REPORTS = [
    ("students/balance", "report students balance",
     ["student_name", "school_name", "grade", "total_invoiced", "total_paid", "total_pending",
      "total_overdue", "oldest_unpaid_due_date", "invoice_count"]),
    ("schools/summary", "report schools summary",
     ["school_name", "students_total", "students_active", "total_invoiced", "total_collected",
      "total_pending", "total_overdue", "collection_rate"]),
    ("invoices/details", "report invoice details", "date_from"),
    ("invoices/overdue", "report overdue invoices", "date_from"),
    ("payments/history", "report payment history", "date_from"),
    ("collections/daily", "report daily collections", "date_from"),
    ("revenue/monthly", "report monthly revenue", "date_from"),
]


def log(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- Scenarios ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    kind: str  # list | statement | report | payment
    user: str  # admin | member
    requests: list[tuple[str, str, str]]  # (method, path, body)
    mode: str = "cycle"  # cycle | once
    concurrency: int = 4
    cache: str = ""  # cold | warm | ""
    route: str = ""  # a path for the route check
    targets: list[tuple[str, str, float]] = field(default_factory=list)  # (metric, op, bound)
    result: dict = field(default_factory=dict)
    sql: dict = field(default_factory=dict)
    skipped: str = ""


def _qs(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def build_scenarios(data: dict, size: Size, concurrency: int) -> list[Scenario]:
    schools, target = data["schools"], data["target_school"]
    first_due = date.fromisoformat(data["first_due"]) if data["first_due"] else date.today()
    last_due = date.fromisoformat(data["last_due"]) if data["last_due"] else date.today()
    # Enough distinct cold requests for the run at a generous rate; never two alike.
    cold_n = max(200, size.duration * 400)
    floor = date(2000, 1, 1)

    def floors(n: int) -> list[str]:
        return [(floor + timedelta(days=k)).isoformat() for k in range(n)]

    list_targets = [("p50", "<", LIST_P50_MS), ("queries", "<=", LIST_MAX_QUERIES)]
    out: list[Scenario] = []

    # Baselines, no target: what any request costs before a view does its own work.
    out.append(Scenario("baseline: /health (no auth, no DRF)", "baseline", "admin",
                        [("GET", "/health", "")], concurrency=concurrency, route="/health"))
    out.append(Scenario("baseline: auth/me (JWT, DRF, 2 queries)", "baseline", "member",
                        [("GET", f"{API}/auth/me", "")], concurrency=concurrency))
    out.append(Scenario("school list", "list", "admin", [("GET", f"{API}/schools", "")],
                        concurrency=concurrency, targets=list_targets))
    out.append(Scenario(
        "student list by school", "list", "member",
        [("GET", _qs(f"{API}/students", school_id=target), "")],
        concurrency=concurrency, targets=list_targets))
    statuses = ["OVERDUE", "PENDING", "PARTIAL", "PAID"]
    out.append(Scenario(
        "invoice list by status+school", "list", "member",
        [("GET", _qs(f"{API}/invoices", school_id=target, status=s), "") for s in statuses],
        concurrency=concurrency, targets=list_targets))

    students = data["students"]
    out.append(Scenario(
        "student statement (cold)", "statement", "admin",
        [("GET", f"{API}/students/{s}/statement", "") for s in students],
        mode="once", cache="cold", concurrency=concurrency,
        targets=list_targets + [("p50_vs_sql", "<=", 0)]))
    out.append(Scenario(
        "student statement (warm)", "statement", "admin",
        [("GET", f"{API}/students/{data['target_students'][0]}/statement", "")],
        cache="warm", concurrency=concurrency, targets=list_targets))

    # The whole seeded year: every invoice of the school is in the period. Cold requests move the
    # `from` floor back a day at a time (before any due date: same invoices, new cache key).
    per_school = cold_n // max(1, len(schools)) + 1
    cold_periods = [((first_due - timedelta(days=k)).isoformat(), last_due.isoformat())
                    for k in range(per_school)]
    school_cold = [
        ("GET", _qs(f"{API}/schools/{s}/statement", **{"from": f, "to": t}), "")
        for f, t in cold_periods for s in schools
    ][:cold_n]
    # Biggest school first, so a short run still measures it.
    school_cold.sort(key=lambda r: target not in r[1])
    out.append(Scenario(
        "school statement (cold)", "statement", "admin", school_cold, mode="once", cache="cold",
        concurrency=concurrency,
        targets=[("p50", "<", SCHOOL_STATEMENT_P50_MS), ("p50_vs_sql", "<=", 0)]))
    out.append(Scenario(
        "school statement (warm)", "statement", "admin",
        [("GET", _qs(f"{API}/schools/{target}/statement",
                     **{"from": first_due.isoformat(), "to": last_due.isoformat()}), "")],
        cache="warm", concurrency=concurrency, targets=[("p50", "<", SCHOOL_STATEMENT_P50_MS)]))

    for path, label, vary in REPORTS:
        base = f"{API}/reports/{path}"
        if isinstance(vary, list):
            variants = [{"ordering": o} for f in vary for o in (f, f"-{f}")]
        else:
            variants = [{vary: f} for f in floors(cold_n // max(1, len(schools)) + 1)]
        cold = [("GET", _qs(base, school_id=s, **v), "") for v in variants for s in schools][:cold_n]
        out.append(Scenario(
            f"{label} (cold)", "report", "admin", cold, mode="once", cache="cold",
            concurrency=concurrency, route=base,
            targets=[("p50", "<", REPORT_P50_MS), ("p50_vs_sql", "<=", 0)]))
        out.append(Scenario(
            f"{label} (warm)", "report", "admin", [("GET", _qs(base, school_id=target), "")],
            cache="warm", concurrency=concurrency, route=base,
            targets=[("p50", "<", REPORT_WARM_P50_MS)]))

    pay = [
        ("POST", f"{API}/payments", json.dumps({"invoice_id": i, "amount": "1.00", "method": "CASH"}))
        for i in data["pay_distinct"]
    ]
    out.append(Scenario(
        "POST payments, 16 clients, distinct invoices", "payment", "admin", pay, mode="once",
        concurrency=16, route=f"{API}/payments", targets=[("rps", ">=", PAYMENTS_MIN_RPS)]))
    # Same few invoices: sized so they run out about halfway through the run, after which every
    # further payment must be refused as an overpayment. The amount never divides the pending
    # amount evenly, so the last accepted payment leaves a remainder the next one would exceed.
    contended = []
    for inv in data["contended"]:
        pending = Decimal(inv["pending"])
        share = max(1, size.duration * 150 // max(1, len(data["contended"])) // 2)
        amount = (pending / share).quantize(Decimal("0.01"), rounding=ROUND_UP) + Decimal("0.01")
        contended.append(("POST", f"{API}/payments",
                          json.dumps({"invoice_id": inv["id"], "amount": str(amount), "method": "CASH"})))
    out.append(Scenario(
        f"POST payments, 16 clients, same {CONTENDED} invoices", "payment", "admin", contended,
        concurrency=16, route=f"{API}/payments"))
    # One deposit for several children (issue 14): each request pays a distinct family's 12 oldest
    # open invoices in full, oldest first (no `allocations` sent: the service picks them), with
    # the read concurrency so the figure is a payment's time more than the queue's.
    family = [
        ("POST", f"{API}/families/{f['id']}/payments",
         json.dumps({"amount": f["amount"], "method": "BANK_TRANSFER", "reference": "bench"}))
        for f in data.get("family_payments", [])
    ]
    out.append(Scenario(
        f"POST family payments, {FAMILY_INVOICES} invoices each", "payment", "admin", family, mode="once",
        concurrency=concurrency, route=f"{API}/families/0/payments"))
    for s in out:
        s.route = s.route or s.requests[0][1].split("?")[0] if s.requests else s.route
        if size.max_requests and s.requests:
            repeats = -(-size.max_requests // len(s.requests))
            s.requests = (s.requests * (1 if s.mode == "once" else repeats))[: size.max_requests]
            s.mode = "once"
    return out


# --- Processes, database, HTTP ------------------------------------------------------------------


def run(cmd: list[str], env: dict, *, capture: bool = False, stdin: str | None = None,
        timeout: float | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=BASE_DIR, text=True, input=stdin, timeout=timeout,
                          capture_output=capture, check=False)


def timed_manage(args: list[str], env: dict, logfile: Path) -> tuple[float | None, int]:
    start = time.perf_counter()
    with logfile.open("a") as fh:
        fh.write(f"\n$ manage.py {' '.join(args)}\n")
        fh.flush()
        proc = subprocess.run([PYTHON, "manage.py", *args], env=env, cwd=BASE_DIR, stdout=fh,
                              stderr=subprocess.STDOUT, check=False)
    return time.perf_counter() - start, proc.returncode


def django_step(step: str, args: dict, env: dict) -> dict:
    proc = run([PYTHON, "-m", "bench.djangoside", step], env, capture=True, stdin=json.dumps(args))
    for line in proc.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line[len("BENCHJSON "):])
    raise SystemExit(f"bench.djangoside {step} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")


def pg_connect(dsn: str):
    import psycopg

    return psycopg.connect(dsn, autocommit=True)


def recreate_database(server_dsn: str, name: str) -> None:
    with pg_connect(f"{server_dsn}/postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server_dsn: str, name: str) -> None:
    with pg_connect(f"{server_dsn}/postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_exists(server_dsn: str, name: str) -> bool:
    with pg_connect(f"{server_dsn}/postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def redis_flush(url: str) -> bool:
    """Flush only the benchmark's own Redis database (the number in the URL)."""
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        client.flushdb()
        return True
    except Exception as exc:  # noqa: BLE001 - Redis is optional: report and go on without it
        log(f"Redis at {url} unavailable ({exc}); serving with the local-memory cache")
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, *, token: str | None = None, body: dict | None = None,
         timeout: float = 30) -> tuple[int, bytes, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def wait_healthy(base_url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see its log")
        try:
            status, _, _ = http("GET", f"{base_url}/health", timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /health in time")


def wrk(base_url: str, scenario: Scenario, duration: int, token: str, workdir: Path) -> dict:
    reqfile = workdir / f"requests-{abs(hash(scenario.name))}.tsv"
    reqfile.write_text("".join(f"{m}\t{p}\t{b}\n" for m, p, b in scenario.requests))
    threads = min(2, scenario.concurrency)
    cmd = [
        "wrk", "-t", str(threads), "-c", str(scenario.concurrency), "-d", f"{duration}s",
        "--timeout", "10s", "-s", LUA, base_url, "--", str(reqfile), scenario.mode, str(threads),
    ]
    env = {**os.environ, "BENCH_TOKEN": token}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False,
                          timeout=duration + 60)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line[len("BENCHJSON "):])
    raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}")


class CpuMeter:
    """CPU seconds used by the gunicorn processes and by the benchmark database's backends.

    On a shared machine wall-clock latency moves with everyone else's load; the CPU a request
    costs the app and PostgreSQL does not (much), and with 2 cores it bounds the throughput.
    """

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, gunicorn_pid: int, database: str):
        self.gunicorn_pid = gunicorn_pid
        self.needle = f" {database} ".encode()

    @classmethod
    def _stat(cls, pid: str) -> tuple[int, float] | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / cls.TICK  # ppid, utime+stime

    def sample(self) -> dict[str, dict[str, float]]:
        app, db = {}, {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            stat = self._stat(entry.name)
            if stat is None:
                continue
            ppid, cpu = stat
            if int(entry.name) == self.gunicorn_pid or ppid == self.gunicorn_pid:
                app[entry.name] = cpu
                continue
            try:
                cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres:") and self.needle in cmdline:
                db[entry.name] = cpu
        return {"app": app, "db": db}

    @staticmethod
    def delta(before: dict, after: dict) -> dict[str, float]:
        return {
            kind: sum(cpu - before[kind].get(pid, 0.0) for pid, cpu in after[kind].items())
            for kind in ("app", "db")
        }


# --- Results -----------------------------------------------------------------------------------


def summarise(scenario: Scenario) -> dict:
    r = scenario.result
    active_s = (r["active_us"] or r["duration_us"]) / 1e6
    responses = r["responses"] or r["requests"]
    non2xx = sum(v for k, v in r["statuses"].items() if not k.startswith("2"))
    socket_errors = sum(v for k, v in r["errors"].items() if k != "status")
    lat = r["latency_us"]
    sql_bound = None
    if scenario.sql.get("status") == 200:
        # The request's SQL run directly in PostgreSQL (all its queries, planning included): what
        # is left of the HTTP time is the Python side, the network and the cache.
        sql_bound = 2 * scenario.sql["all_ms"] + 10
    return {
        "rps": responses / active_s if active_s else 0.0,
        "p50": lat["p50"] / 1000, "p95": lat["p95"] / 1000, "p99": lat["p99"] / 1000,
        "errors": non2xx + socket_errors,
        "queries": r["queries_sum"] / r["queries_n"] if r["queries_n"] else None,
        "queries_max": r["queries_max"] if r["queries_n"] else None,
        "requests": responses,
        "sql_bound": sql_bound,
        "app_cpu_ms": 1000 * r["cpu_s"]["app"] / responses if responses and "cpu_s" in r else None,
        "db_cpu_ms": 1000 * r["cpu_s"]["db"] / responses if responses and "cpu_s" in r else None,
    }


def check_targets(scenario: Scenario, s: dict) -> list[str]:
    missed = []
    for metric, op, bound in scenario.targets:
        if metric == "p50_vs_sql":
            if s["sql_bound"] is None:
                continue
            metric, bound = "p50", s["sql_bound"]
        value = s["queries_max"] if metric == "queries" else s[metric]
        if value is None:
            continue
        ok = {"<": value < bound, "<=": value <= bound, ">=": value >= bound}[op]
        if not ok:
            missed.append(f"{metric} {value:.1f} !{op} {bound:.1f}" if isinstance(value, float)
                          else f"{metric} {value} !{op} {bound}")
    return missed


def fmt_calibration(c: dict) -> str:
    return (f"loadavg {c['loadavg'][0]:.1f}, 5M-step loop {c['loop_cpu_s']:.2f} s CPU / "
            f"{c['loop_wall_s']:.2f} s wall")


def fmt(value, digits=1) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def render_table(scenarios: list[Scenario]) -> str:
    head = ("| scenario | conc | req/s | p50 ms | p95 ms | p99 ms | errors | SQL q/req | "
            "SQL main ms | SQL all ms | CPU ms/req app+db | target |")
    lines = [head, "|" + "---|" * 12]
    by_name = {sc.name: sc for sc in scenarios}
    for sc in scenarios:
        if sc.skipped:
            lines.append(f"| {sc.name} | {sc.concurrency} | n/a | | | | | | | | | {sc.skipped} |")
            continue
        s = summarise(sc)
        main = all_ms = None
        if sc.sql.get("status") == 200:
            main = sc.sql["main_ms"] + sc.sql["main_planning_ms"]
            all_ms = sc.sql["all_ms"]
        missed = check_targets(sc, s)
        verdict = "ok" if not missed else "MISS " + "; ".join(missed)
        if not sc.targets:
            verdict = ""
        warm = by_name.get(sc.name.replace("(cold)", "(warm)"))
        if sc.cache == "cold" and warm and warm.result and s["queries"] is not None:
            # A cold request runs the report's SQL; a cache hit only checks the versions. Fewer
            # queries than the warm run's would mean the "cold" requests were answered from cache.
            warm_q = summarise(warm)["queries"]
            if warm_q is not None and s["queries"] <= warm_q:
                verdict += " (CACHE HIT? cold ran no more SQL than warm)"
        q = fmt(s["queries"]) if s["queries"] is None or s["queries"] == s["queries_max"] else (
            f"{s['queries']:.1f} (max {s['queries_max']})")
        if s["queries"] is not None and s["queries"] == s["queries_max"]:
            q = str(int(s["queries"]))
        errors = str(s["errors"])
        if s["errors"]:
            codes = ", ".join(f"{k}: {v}" for k, v in sorted(sc.result["statuses"].items())
                              if not k.startswith("2"))
            errors += f" ({codes})" if codes else ""
        lines.append(
            f"| {sc.name} | {sc.concurrency} | {s['rps']:.0f} | {s['p50']:.1f} | {s['p95']:.1f} | "
            f"{s['p99']:.1f} | {errors} | {q} | {fmt(main)} | {fmt(all_ms)} | "
            f"{fmt(s['app_cpu_ms'])}+{fmt(s['db_cpu_ms'])} | {verdict} |"
        )
    return "\n".join(lines)


def cpu_calibration() -> dict:
    """How busy the machine is: a fixed pure-Python loop (CPU and wall seconds) and the load.

    On a shared VM other work inflates both wall and CPU time (steal); this line makes a table
    measured on a loaded machine recognisable (compare the loop's figures between runs).
    """
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    total = 0
    for i in range(5_000_000):
        total += i
    return {
        "loop_cpu_s": round(time.process_time() - start_cpu, 3),
        "loop_wall_s": round(time.perf_counter() - start_wall, 3),
        "loadavg": os.getloadavg(),
    }


def machine() -> dict:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "wrk": (wrk_version.stdout or wrk_version.stderr).splitlines()[0] if wrk_version else "",
    }


# --- Main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default=os.environ.get("SIZE", "small"))
    parser.add_argument("--duration", type=int, help="seconds per scenario (default: by size)")
    # One connection per core: the server is kept busy (the table shows req/s at that point)
    # without measuring mostly the queue in front of two cores. Raise it to see saturation.
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2,
                        help="connections for read scenarios (default: one per core)")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database name")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--db", help="database name (default bench_<size>; tiny: bench_tiny_<pid>)")
    parser.add_argument("--reuse-db", action="store_true",
                        help="keep an already seeded database (skips migrate, seed and sweep)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop a tiny database at the end")
    parser.add_argument("--only", action="append", default=[], help="run scenarios whose name has this")
    parser.add_argument("--out", default=str(BENCH_DIR / "results"))
    opts = parser.parse_args(argv)

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (make bench does it)")
    size = SIZES[opts.size]
    duration = opts.duration or size.duration
    db = opts.db or (f"bench_tiny_{os.getpid()}" if opts.size == "tiny" else f"bench_{opts.size}")
    if not db.startswith("bench_"):
        raise SystemExit("benchmark databases are named bench_*")
    out = Path(opts.out) / opts.size
    out.mkdir(parents=True, exist_ok=True)
    manage_log = out / "manage.log"
    manage_log.write_text("")
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update({
        "DATABASE_URL": f"{opts.server}/{db}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        # Production settings plus the X-DB-Queries header (bench/settings.py).
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        # A run can outlast the default 30 minutes; everything else stays as in production.
        "ACCESS_TOKEN_EXPIRE_MINUTES": "240",
        # One token here stands for a whole school network's traffic: keep the per-user throttle
        # (its cache round trip is part of every request) but lift its limit out of the way.
        "THROTTLE_USER": "10000000/min",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.pop("REDIS_URL", None)
    if redis_flush(opts.redis):
        env["REDIS_URL"] = opts.redis

    timings: dict[str, float | None] = {}
    notes: list[str] = []
    gunicorn = None
    try:
        if opts.reuse_db and database_exists(opts.server, db):
            log(f"reusing database {db} (migrating it to the code's schema)")
            _, rc = timed_manage(["migrate", "--noinput"], env, manage_log)
            if rc:
                raise SystemExit(f"migrate failed; see {manage_log}")
        else:
            log(f"creating database {db}")
            recreate_database(opts.server, db)
            timings["migrate"], rc = timed_manage(["migrate", "--noinput"], env, manage_log)
            if rc:
                raise SystemExit(f"migrate failed; see {manage_log}")
            if run([PYTHON, "manage.py", "help", "seed"], env, capture=True).returncode:
                raise SystemExit("`manage.py seed` does not exist yet: nothing to benchmark")
            log(f"seeding {size.schools} schools x {size.students} students x {size.months} months")
            timings["seed"], rc = timed_manage(
                ["seed", "--schools", str(size.schools), "--students-per-school", str(size.students),
                 "--months", str(size.months), "--seed", "2026",
                 *(["--bank-statement-schools", str(size.bank_schools)] if size.bank_schools else [])],
                env, manage_log)
            if rc:
                raise SystemExit(f"seed failed; see {manage_log}")
            if run([PYTHON, "manage.py", "help", "sweep_overdue"], env, capture=True).returncode == 0:
                log("sweeping overdue invoices")
                timings["sweep_overdue"], rc = timed_manage(["sweep_overdue"], env, manage_log)
                if rc:
                    raise SystemExit(f"sweep_overdue failed; see {manage_log}")
            else:
                timings["sweep_overdue"] = None
                notes.append("sweep_overdue: n/a (command not found)")
            with pg_connect(env["DATABASE_URL"]) as conn:
                conn.execute("VACUUM ANALYZE")

        password = secrets.token_urlsafe(16)
        names = {"admin": "bench_admin", "member": "bench_member"}
        probe_scenarios = build_scenarios(
            {"schools": ["00000000-0000-0000-0000-000000000000"], "target_school": "0",
             "students": ["0"], "target_students": ["0"], "pay_distinct": [], "contended": [],
             "family_payments": [],
             "first_due": None, "last_due": None}, size, opts.concurrency)
        routes = {sc.name: sc.route.replace("/0/", "/00000000-0000-0000-0000-000000000000/")
                  for sc in probe_scenarios}
        log("preparing users and ids")
        data = django_step("prepare", {
            "admin_username": names["admin"], "member_username": names["member"], "password": password,
            "students_sample": size.students_sample, "pay_distinct": size.pay_distinct,
            "contended": CONTENDED,
            "family_payments": max(size.max_requests or 0, duration * 100),
            "family_invoices": FAMILY_INVOICES,
            "routes": routes,
        }, env)
        scenarios = build_scenarios(data, size, opts.concurrency)
        if opts.only:
            scenarios = [s for s in scenarios if any(o in s.name for o in opts.only)]
        for sc in scenarios:
            if not data["routes"].get(sc.name, True):
                sc.skipped = "n/a: endpoint not built yet"

        sql_targets = {sc.name: {"path": sc.requests[0][1], "user": names[sc.user]}
                       for sc in scenarios if sc.kind in ("statement", "report") and not sc.skipped}
        if sql_targets:
            log(f"timing the SQL of {len(sql_targets)} scenarios directly in PostgreSQL")
            sql = django_step("explain", {"scenarios": sql_targets, "plans_dir": str(out / "plans")}, env)
            for sc in scenarios:
                sc.sql = sql.get(sc.name, {})

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log(f"starting gunicorn on {base_url} ({opts.workers} workers x {opts.threads} threads)")
        gunicorn_log = (out / "gunicorn.log").open("w")
        gunicorn = subprocess.Popen(
            [GUNICORN, "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(opts.workers), "--threads", str(opts.threads),
             "--graceful-timeout", "10", "--timeout", "60"],
            env=env, cwd=BASE_DIR, stdout=gunicorn_log, stderr=subprocess.STDOUT,
            start_new_session=True)
        wait_healthy(base_url, gunicorn)
        calibration_start = cpu_calibration()
        meter = CpuMeter(gunicorn.pid, db)

        tokens = {}
        for role, username in names.items():
            status, body, _ = http("POST", f"{base_url}{API}/auth/login",
                                   body={"username": username, "password": password})
            if status == 404:
                tokens[role] = data["fallback_tokens"][role]
                notes.append(f"login endpoint n/a: token for {username} minted directly")
                continue
            if status != 200:
                raise SystemExit(f"login of {username} answered {status}: {body[:300]!r}")
            tokens[role] = json.loads(body)["access_token"]

        # Warm-up, not measured: every worker thread opens its database connection and imports
        # what the views need, so the first scenario does not pay for the server's start.
        warmup_urls = [sc.requests[0] for sc in scenarios
                       if sc.requests and not sc.skipped and sc.kind != "payment" and sc.user == "admin"]
        if warmup_urls:
            wrk(base_url, Scenario("warm-up", "list", "admin", warmup_urls,
                                   concurrency=opts.workers * opts.threads),
                min(duration, 3), tokens["admin"], out)

        for sc in scenarios:
            if sc.skipped:
                continue
            method, path, _ = sc.requests[0] if sc.requests else ("GET", "", "")
            if not sc.requests:
                sc.skipped = "n/a: no data for it"
                continue
            if sc.cache == "cold":
                if "REDIS_URL" in env:
                    redis_flush(opts.redis)
            elif method == "GET":
                # Probe: the route answers, and (warm) the cache holds the answer before timing.
                status, body, _ = http(method, f"{base_url}{path}", token=tokens[sc.user])
                if status >= 300:
                    sc.skipped = f"n/a: probe answered HTTP {status}"
                    notes.append(f"{sc.name}: GET {path} -> {status} {body[:200]!r}")
                    continue
            log(f"running {sc.name} ({len(sc.requests)} distinct requests, {sc.mode})")
            before = meter.sample()
            sc.result = wrk(base_url, sc, duration, tokens[sc.user], out)
            sc.result["cpu_s"] = CpuMeter.delta(before, meter.sample())
            if sc.kind == "payment":
                time.sleep(0.5)

        calibration_end = cpu_calibration()
        integrity = None
        if any(sc.kind == "payment" and sc.result for sc in scenarios):
            with pg_connect(env["DATABASE_URL"]) as conn:
                overpaid = conn.execute(
                    "SELECT count(*) FROM billing_invoice WHERE paid_amount > amount").fetchone()[0]
                mismatched = conn.execute(
                    # paid_amount is the sum of the live allocations (payments not reversed), as
                    # reconcile checks it: a family payment spreads over several invoices.
                    """SELECT count(*) FROM billing_invoice i
                       LEFT JOIN (SELECT a.invoice_id, sum(a.amount) AS total
                                  FROM billing_allocation a
                                  JOIN billing_payment p ON p.id = a.payment_id AND NOT p.is_reversed
                                  GROUP BY a.invoice_id) live ON live.invoice_id = i.id
                       WHERE coalesce(live.total, 0) <> i.paid_amount""").fetchone()[0]
                contended_ids = [c["id"] for c in data["contended"]]
                contended_rows = conn.execute(
                    "SELECT id::text, amount, paid_amount FROM billing_invoice WHERE id = ANY(%s::uuid[])",
                    [contended_ids]).fetchall()
            integrity = {"overpaid": overpaid, "paid_amount_mismatch": mismatched,
                         "contended": [{"id": r[0], "amount": str(r[1]), "paid": str(r[2])}
                                       for r in contended_rows]}

        table = render_table(scenarios)
        lines = [
            f"## bench {opts.size} - {stamp}",
            "",
            f"Data: {data['counts']['schools']} schools, {data['counts']['students']} students, "
            f"{data['counts']['invoices']} invoices, {data['counts']['payments']} payments "
            f"(target school: {data['target_school_students']} students, "
            f"{data['target_school_invoices']} invoices). "
            f"{duration} s per scenario; gunicorn {opts.workers} workers x {opts.threads} threads; "
            f"cache: {'Redis' if 'REDIS_URL' in env else 'local memory'}. "
            f"Machine load: {fmt_calibration(calibration_start)} before the scenarios, "
            f"{fmt_calibration(calibration_end)} after.",
            "",
            table,
            "",
        ]
        ops = []
        for name, bound in (("migrate", None), ("seed", SEED_MAX_S), ("sweep_overdue", SWEEP_MAX_S)):
            if name in timings:
                value = timings[name]
                verdict = "" if bound is None or value is None else (
                    " ok" if value < bound else f" MISS (target < {bound} s)")
                ops.append(f"{name} {fmt(value)} s{verdict}")
        if ops:
            lines += ["Commands: " + "; ".join(ops) + ".", ""]
        if integrity:
            ok = integrity["overpaid"] == 0 and integrity["paid_amount_mismatch"] == 0
            lines += [
                f"After the payment runs: {integrity['overpaid']} invoices with paid_amount > amount, "
                f"{integrity['paid_amount_mismatch']} whose paid_amount differs from the sum of their "
                f"live allocations ({'ok' if ok else 'BROKEN'}). Contended invoices: "
                + ", ".join(f"{c['paid']}/{c['amount']}" for c in integrity["contended"]) + ".",
                "",
            ]
        lines += [f"Note: {n}" for n in notes]
        report = "\n".join(lines)
        print(report, flush=True)

        record = {
            "size": opts.size, "stamp": stamp, "machine": machine(), "duration": duration,
            "concurrency": opts.concurrency, "workers": opts.workers, "threads": opts.threads,
            "data": {k: data[k] for k in ("counts", "target_school_students", "target_school_invoices")},
            "timings": timings, "integrity": integrity, "notes": notes,
            "calibration": {"start": calibration_start, "end": calibration_end},
            "scenarios": [
                {"name": sc.name, "kind": sc.kind, "cache": sc.cache, "concurrency": sc.concurrency,
                 "skipped": sc.skipped, "distinct_requests": len(sc.requests), "raw": sc.result,
                 "summary": summarise(sc) if sc.result else None, "sql": sc.sql,
                 "missed": check_targets(sc, summarise(sc)) if sc.result else None}
                for sc in scenarios
            ],
        }
        (out / "results.json").write_text(json.dumps(record, indent=2))
        (out / "results.md").write_text(report + "\n")
        log(f"results in {out}/results.md and results.json")
        broken = integrity and (integrity["overpaid"] or integrity["paid_amount_mismatch"])
        server_errors = any(
            any(k.startswith("5") for k in sc.result.get("statuses", {})) for sc in scenarios if sc.result
        )
        return 2 if broken else (3 if server_errors else 0)
    finally:
        if gunicorn and gunicorn.poll() is None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
        if opts.size == "tiny" and not opts.keep_db and not opts.db:
            drop_database(opts.server, db)


if __name__ == "__main__":
    sys.exit(main())
