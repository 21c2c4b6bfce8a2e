"""Read replicas against a real streaming replica (core/replicas.py, `make faults`).

The private primary of the live tests gets a hot standby (`pg_basebackup -R`, its own port), and a
gunicorn (2 workers, so a write and the next read usually land in different processes) is served
with `DATABASE_REPLICA_URLS` pointing at it. Each answer says which database it read
(`X-Read-Database`), so the tests see both that the replica is really used and that it never
serves a user their own stale write.
"""

from __future__ import annotations

import pytest

from tests.hardening.live.conftest import ARRANGE, DB_NAME, FIGURES, _seq, make_invoice
from tests.support.http import call
from tests.support.services import Gunicorn, app_env, django_script, wait_until


@pytest.fixture(scope="module")
def replica(private_pg, live_env):
    standby = private_pg.streaming_replica()  # after live_env's migrate: the schema is there
    standby.start()
    yield standby
    standby.destroy()


@pytest.fixture(scope="module")
def replicated(private_pg, private_redis, replica, live_env):
    env = app_env(
        database_url=private_pg.url(DB_NAME), redis_url=private_redis.url,
        DATABASE_REPLICA_URLS=replica.url(DB_NAME),
        DATABASE_REPLICA_RETRY_SECONDS="1",
        # Replay is paused on purpose below; lag alone must not take the replica out here.
        DATABASE_REPLICA_MAX_LAG_SECONDS="3600",
    )
    gunicorn = Gunicorn(env=env, workers=2)
    gunicorn.start()
    yield gunicorn
    gunicorn.stop()


@pytest.fixture(scope="module")
def world(live_env, replicated):
    return django_script(ARRANGE.replace("{n}", f"r{next(_seq)}"), env=live_env)


@pytest.fixture(scope="module")
def api(replicated):
    def request(method, path, **kwargs):
        return call(replicated.base_url, method, path, **kwargs)

    return request


# make_invoice's invoices fall due on 2099-12-31.
STATEMENT = "/api/v1/students/{student_id}/statement?from=2099-01-01&to=2099-12-31"


def caught_up(primary, replica) -> bool:
    position = primary.psql("SELECT pg_current_wal_insert_lsn()")
    return replica.psql(f"SELECT pg_last_wal_replay_lsn() >= '{position}'::pg_lsn") == "t"


def invoice_ids(api, world, token_key):
    answer = api("GET", f"/api/v1/invoices?student_id={world['student_id']}&page_size=100",
                 token=world[token_key])
    assert answer.status == 200, answer.body
    return {row["id"] for row in answer.json()["results"]}, answer.headers.get("x-read-database")


def test_reads_go_to_the_replica_and_a_read_after_a_write_is_never_stale(
    private_pg, replica, api, world
):
    wait_until(lambda: caught_up(private_pg, replica), timeout=30, what="the replica to catch up")
    _, database = invoice_ids(api, world, "manager_token")
    assert database == "replica"  # a lag-tolerant list by a user who has not written

    served = []
    for k in range(12):
        invoice = make_invoice(api, world, amount=f"{100 + k}.00")
        ids, database = invoice_ids(api, world, "accountant_token")
        assert invoice["id"] in ids, f"write {k} not visible to its writer (read from {database})"
        served.append(database)
        statement = api("GET", STATEMENT.format(**world), token=world["accountant_token"])
        assert statement.status == 200
        assert invoice["id"] in {row["id"] for row in statement.json()["invoices"]}
    FIGURES["replica: writer's reads right after each write"] = ", ".join(served)
    # A detail page is not lag-tolerant: the primary, always.
    detail = api("GET", f"/api/v1/invoices/{invoice['id']}", token=world["manager_token"])
    assert detail.status == 200 and detail.headers.get("x-read-database") is None


def test_a_lagging_replica_never_serves_a_user_their_own_stale_write(private_pg, replica, api, world):
    wait_until(lambda: caught_up(private_pg, replica), timeout=30, what="the replica to catch up")
    replica.psql("SELECT pg_wal_replay_pause()")
    try:
        wait_until(lambda: replica.psql("SELECT pg_get_wal_replay_pause_state()") == "paused",
                   timeout=30, what="replay to pause")
        invoice = make_invoice(api, world, amount="777.00")
        assert not caught_up(private_pg, replica)  # the replica really lags behind that write

        ids, database = invoice_ids(api, world, "accountant_token")
        assert invoice["id"] in ids and database == "primary"
        paid = api("POST", "/api/v1/payments", token=world["accountant_token"],
                   body={"invoice_id": invoice["id"], "amount": "77.00", "method": "CASH"})
        assert paid.status == 201, paid.body
        statement = api("GET", STATEMENT.format(**world), token=world["accountant_token"])
        assert statement.headers.get("x-read-database") == "primary"
        paid_amounts = {row["id"]: row["paid_amount"] for row in statement.json()["invoices"]}
        assert paid_amounts[invoice["id"]] == 77

        # Someone who did not write reads the lagging replica: the write is not there yet.
        ids, database = invoice_ids(api, world, "manager_token")
        assert database == "replica" and invoice["id"] not in ids
    finally:
        replica.psql("SELECT pg_wal_replay_resume()")
    wait_until(lambda: caught_up(private_pg, replica), timeout=30, what="the replica to catch up")
    ids, database = invoice_ids(api, world, "accountant_token")
    assert database == "replica" and invoice["id"] in ids  # caught up: the writer is back on it


def test_a_replica_that_stops_answering_is_skipped(private_pg, replica, api, world, replicated):
    replica.stop("fast")
    try:
        for _ in range(4):  # both workers, each with its own pooled replica connection
            ids, database = invoice_ids(api, world, "manager_token")
            assert database == "primary"
        invoice = make_invoice(api, world, amount="55.00")
        ids, database = invoice_ids(api, world, "accountant_token")
        assert invoice["id"] in ids and database == "primary"
        assert "replica_unavailable" in replicated.log()
    finally:
        replica.start()

    def back_on_replica():
        return invoice_ids(api, world, "manager_token")[1] == "replica"

    wait_until(back_on_replica, timeout=30, interval=0.5, what="reads to return to the replica")
    assert invoice["id"] in invoice_ids(api, world, "manager_token")[0]
