"""Faults injected into a running system: the database and Redis go away and come back.

The app keeps running throughout (same gunicorn master and workers); only its dependencies fail.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from tests.hardening.live.conftest import FIGURES, make_invoice
from tests.support.http import call
from tests.support.services import Gunicorn, django_script, wait_until

LOAD_THREADS = 8


def _booted_workers(server) -> int:
    return server.log().count("Booting worker")


def _is_json_error(answer, code: str) -> bool:
    if not answer.content_type.startswith("application/json"):
        return False
    body = answer.json()
    return body.get("code") == code and isinstance(body.get("detail"), str)


class Load:
    """Threads that keep reading and paying while a test breaks things; every answer is kept."""

    def __init__(self, server, world, invoice_id):
        self.server, self.world, self.invoice_id = server, world, invoice_id
        self.phase = "up"
        self.answers: list[tuple[str, str, object]] = []
        self._stop = threading.Event()
        self._lock = threading.Condition()
        self._pool = ThreadPoolExecutor(LOAD_THREADS)

    def _requests(self, n):
        token = self.world["accountant_token"]
        school = self.world["school_id"]
        cycle = [
            ("GET", "/health", None),
            ("GET", f"/api/v1/schools/{school}", None),
            ("GET", "/api/v1/invoices?page_size=5", None),
            ("GET", f"/api/v1/invoices/{self.invoice_id}", None),
            ("POST", "/api/v1/payments",
             {"invoice_id": self.invoice_id, "amount": "1.00", "method": "CASH"}),
        ]
        method, path, body = cycle[n % len(cycle)]
        return method, path, body, token

    def _worker(self, offset):
        n = offset
        while not self._stop.is_set():
            method, path, body, token = self._requests(n)
            phase = self.phase
            try:
                answer = call(self.server.base_url, method, path, token=token, body=body, timeout=15)
            except OSError as error:  # the app server itself must never drop a connection
                answer = error
            with self._lock:
                self.answers.append((phase, f"{method} {path.split('?')[0]}", answer))
                self._lock.notify_all()
            n += 1

    def wait_for_answers(self, count: int, *, timeout: float = 60) -> None:
        """Until `count` answers were given in the current phase (woken by each answer)."""
        phase = self.phase
        with self._lock:
            done = self._lock.wait_for(lambda: len(self.in_phase(phase)) >= count, timeout=timeout)
        if not done:
            raise TimeoutError(f"fewer than {count} answers in phase {phase!r} after {timeout}s")

    def __enter__(self):
        for offset in range(LOAD_THREADS):
            self._pool.submit(self._worker, offset)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._pool.shutdown(wait=True)

    def in_phase(self, phase):
        return [(what, answer) for p, what, answer in list(self.answers) if p == phase]


def test_database_stopped_under_load_fails_fast_with_503_and_recovers_without_an_app_restart(
    server, private_pg, world, api
):
    invoice = make_invoice(api, world, amount="100000.00")
    booted = _booted_workers(server)
    master_pid = server.process.pid

    with Load(server, world, invoice["id"]) as load:
        load.wait_for_answers(20)
        load.phase = "stopping"
        private_pg.stop("fast")
        load.phase = "down"
        load.wait_for_answers(40)  # the test asserts on at least 20 of them
        load.phase = "starting"
        private_pg.start()
        recovered_at = time.monotonic()
        wait_until(lambda: api("GET", "/health").status == 200, timeout=30, what="recovery")
        recovery_seconds = time.monotonic() - recovered_at
        load.phase = "up-again"
        load.wait_for_answers(40)

    by_phase = Counter((p, getattr(a, "status", "dropped")) for p, _, a in load.answers)
    slowest_down = max(
        (a.elapsed for p, _, a in load.answers if p == "down" and hasattr(a, "elapsed")), default=0
    )
    FIGURES["PostgreSQL stopped under load"] = (
        f"{len(load.answers)} requests, (phase, status): {dict(sorted(by_phase.items()))}; "
        f"slowest answer while down {slowest_down:.3f}s; answering {recovery_seconds:.1f}s after the restart"
    )
    dropped = [(p, w, a) for p, w, a in load.answers if isinstance(a, OSError)]
    assert not dropped, dropped[:3]
    statuses = Counter((p, a.status) for p, _, a in load.answers)
    assert not [key for key in statuses if key[1] >= 500 and key[1] != 503], statuses

    down = load.in_phase("down")
    assert len(down) >= 20, statuses
    for what, answer in down:
        assert answer.status == 503, (what, answer.status, answer.body[:200])
        if what == "GET /health":
            assert answer.json()["checks"]["database"] == "unavailable"
        else:
            assert _is_json_error(answer, "service_unavailable"), (what, answer.body[:200])
    # Fail fast: a refused connection is reported at once, not after a hung worker.
    assert max(answer.elapsed for _, answer in down) < 2.0

    again = load.in_phase("up-again")
    assert len(again) >= 20
    assert {answer.status for _, answer in again} <= {200, 201}, Counter(a.status for _, a in again)
    assert recovery_seconds < 10

    # Same master, no worker was killed and rebooted: the app itself never went down.
    assert server.process.poll() is None and server.process.pid == master_pid
    assert _booted_workers(server) == booted

    # The books: exactly the payments that were answered 201 exist, none of the refused ones.
    accepted = sum(1 for _, what, a in load.answers if what == "POST /api/v1/payments" and a.status == 201)
    assert accepted > 0
    after = api("GET", f"/api/v1/invoices/{invoice['id']}", token=world["accountant_token"]).json()
    assert Decimal(str(after["paid_amount"])) == Decimal(accepted)
    listed = api("GET", f"/api/v1/payments?invoice_id={invoice['id']}&page_size=1",
                 token=world["accountant_token"]).json()
    assert listed["count"] == accepted


SESSION_FOR = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from users.models import User
user = User.objects.get(username={username!r})
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(json.dumps(session.session_key))
"""


def test_a_database_outage_met_outside_the_api_is_a_json_503_too(server, private_pg, world, live_env, api):
    session_key = django_script(SESSION_FOR.format(username=world["admin_username"]), env=live_env)
    cookie = {"Cookie": f"sessionid={session_key}"}
    # An admin view that needs the session and the user but no static files (no collectstatic here).
    page = "/admin/jsi18n/"
    assert api("GET", page, headers=cookie).status == 200

    private_pg.stop("fast")
    try:
        admin_page = api("GET", page, headers=cookie)
        api_call = api("GET", "/api/v1/schools", token=world["admin_token"])
    finally:
        private_pg.start()

    assert admin_page.status == 503 and _is_json_error(admin_page, "service_unavailable")
    assert api_call.status == 503 and _is_json_error(api_call, "service_unavailable")
    wait_until(lambda: api("GET", page, headers=cookie).status == 200, timeout=20, what="admin back")


def _get_operations(api, token):
    schema = api("GET", "/api/schema?format=json").json()
    for path, operations in schema["paths"].items():
        if "get" in operations:
            yield path


def _stable(body):
    """A JSON body without its generation timestamp (a cached copy keeps the older one)."""
    if isinstance(body, dict):
        return {k: _stable(v) for k, v in body.items() if k != "generated_at"}
    if isinstance(body, list):
        return [_stable(v) for v in body]
    return body


def _fill(path, ids):
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path if "{" not in path else None


def test_redis_stopped_every_read_still_answers_the_same_from_the_database(
    server, private_redis, world, api
):
    token = world["admin_token"]
    invoice = make_invoice(api, world, amount="500.00")
    ids = {"school_id": world["school_id"], "student_id": world["student_id"],
           "invoice_id": invoice["id"], "id": invoice["id"]}
    paths = [p for p in (_fill(path, ids) for path in _get_operations(api, token)) if p]
    assert len(paths) >= 10, paths

    def snapshot():
        return {path: api("GET", path, token=token) for path in paths}

    snapshot()  # fill the cache
    with_redis = snapshot()
    outage_line = '"event": "cache_unavailable'
    log_before = server.log().count(outage_line)
    private_redis.stop()
    try:
        without_redis = snapshot()
        paid = api("POST", "/api/v1/payments", token=world["accountant_token"],
                   body={"invoice_id": invoice["id"], "amount": "200.00", "method": "CASH"})
        statement_down = api("GET", f"/api/v1/students/{world['student_id']}/statement", token=token)
        health = api("GET", "/health")
    finally:
        private_redis.start()
    statement_back = api("GET", f"/api/v1/students/{world['student_id']}/statement", token=token)

    FIGURES["Redis stopped"] = f"{len(paths)} GET operations answered the same from the database"
    for path in paths:
        before, after = with_redis[path], without_redis[path]
        assert after.status == before.status, (path, before.status, after.status, after.body[:300])
        assert after.status < 500, path
        if after.content_type.startswith("application/json") and path != "/health":
            assert _stable(after.json()) == _stable(before.json()), path
    assert paid.status == 201
    assert health.status == 200 and health.json()["checks"]["cache"] == "unavailable"
    # The write made while Redis was down shows up, down and after Redis returns (no stale entry).
    statement_path = f"/api/v1/students/{world['student_id']}/statement"
    paid_before = Decimal(str(with_redis[statement_path].json()["summary"]["total_paid"]))
    for statement in (statement_down, statement_back):
        assert statement.status == 200
        assert Decimal(str(statement.json()["summary"]["total_paid"])) == paid_before + Decimal("200.00")
    warnings = [line for line in server.log().splitlines() if outage_line in line]
    assert len(warnings) > log_before
    assert all('"level": "warning"' in line and '"logger": "core.cache"' in line for line in warnings)


def test_openai_hanging_falls_back_to_the_rules_within_the_time_budget(live_env, world):
    # A port that accepts connections and never answers: the worst kind of outage for a client.
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(64)
    port = blackhole.getsockname()[1]
    env = {**live_env, "OPENAI_API_KEY": "sk-test-unreachable",
           "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1", "OPENAI_TIMEOUT_SECONDS": "2"}
    ai_server = Gunicorn(env=env, workers=2)
    ai_server.start()
    try:
        token = world["accountant_token"]
        student = world["student_id"]
        risk = call(ai_server.base_url, "POST", f"/api/v1/ai/risk-analysis/{student}", token=token)
        message = call(ai_server.base_url, "POST", f"/api/v1/ai/collection-message/{student}",
                       token=token, body={"channel": "email"})
    finally:
        ai_server.stop()
        blackhole.close()

    FIGURES["OpenAI hanging"] = (
        f"risk analysis {risk.elapsed:.2f}s, collection message {message.elapsed:.2f}s, both from the rules"
    )
    for answer in (risk, message):
        assert answer.status == 200, answer.body[:300]
        assert answer.json()["source"] == "rules"
        assert answer.elapsed < 2 + 3  # the OpenAI budget plus the rules, never a hung worker
    assert risk.json()["risk_level"] in {"LOW", "MEDIUM", "HIGH"}
