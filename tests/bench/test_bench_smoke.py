"""The benchmark harness, end to end at SIZE=tiny, so `make bench` cannot rot unnoticed.

Runs bench/run.py in a subprocess: its own fresh PostgreSQL database (bench_tiny_<pid>, dropped
afterwards), seed, sweep, gunicorn, wrk, the table. Seconds, not minutes; figures are not checked
here (tiny data on a shared machine), only that every scenario runs cleanly.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]


def _server_url() -> str:
    db = settings.DATABASES["default"]
    auth = quote(db.get("USER") or "postgres", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgresql://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the benchmark runs on PostgreSQL only (set DATABASE_URL=postgresql://...)")
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install -y wrk; .ci/run installs it)")
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--size", "tiny", "--server", _server_url(), "--out", str(out)],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=600, check=False,
    )
    results = out / "tiny" / "results.json"
    record = json.loads(results.read_text()) if results.exists() else None
    return proc, record


def test_tiny_benchmark_exits_cleanly_and_prints_one_table(tiny_run):
    proc, record = tiny_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert record is not None
    assert proc.stdout.count("| scenario |") == 1


def test_tiny_benchmark_runs_every_scenario_without_server_errors(tiny_run):
    _, record = tiny_run
    for scenario in record["scenarios"]:
        assert not scenario["skipped"], scenario
        raw = scenario["raw"]
        assert raw["responses"] > 0, scenario["name"]
        assert not [code for code in raw["statuses"] if code.startswith("5")], scenario
        assert raw["queries_n"] == raw["responses"], f"{scenario['name']}: X-DB-Queries missing"


def test_tiny_benchmark_leaves_no_invoice_overpaid_or_out_of_step_with_its_payments(tiny_run):
    _, record = tiny_run
    assert record["integrity"]["overpaid"] == 0
    assert record["integrity"]["paid_amount_mismatch"] == 0


def test_tiny_benchmark_times_the_seed_and_the_sweep(tiny_run):
    _, record = tiny_run
    assert record["timings"]["seed"] > 0
    assert record["timings"]["sweep_overdue"] > 0


def test_tiny_benchmark_times_the_sql_of_every_statement_and_report(tiny_run):
    _, record = tiny_run
    timed = [s for s in record["scenarios"] if s["kind"] in ("statement", "report")]
    assert len(timed) == 2 * 2 + 7 * 2
    for scenario in timed:
        assert scenario["sql"]["status"] == 200, scenario
        assert scenario["sql"]["all_ms"] > 0, scenario
