"""Read replicas: lag-tolerant reads to a streaming replica, everything else to the primary.

`DATABASE_REPLICA_URLS` (comma-separated, PostgreSQL) adds the aliases `replica1`, `replica2`, ...
and turns on `ReplicaMiddleware` and `ReplicaRouter`. Without it nothing here runs and every
query goes to `default`, the primary.

Which reads may lag: GET/HEAD requests to lists, statements and reports (`lag_tolerant_request`),
once the user is known. Everything else reads the primary: writes, reads inside a transaction,
authentication's own user lookup, detail pages, management commands and background jobs (no
request). A request keeps the database it picked for all its reads, so its figures agree.

Read-your-writes: after a request that may have written (any unsafe method, or any ORM write), the
middleware records the primary's WAL position (`pg_current_wal_insert_lsn()`) for that user in the
shared cache for `DATABASE_REPLICA_STICKY_SECONDS`. A later read of that user goes to a replica
only if the replica has replayed past that position (`pg_last_wal_replay_lsn()`, which only moves
forward), otherwise to the primary: a user never reads a state older than their own last write,
however far the replica lags. If the cache cannot be read, the read goes to the primary.

Health: before a request's first replica read, one query asks the replica for its replay
position and lag (it doubles as the connection check). A replica that does not answer is skipped
for `DATABASE_REPLICA_RETRY_SECONDS` (logged `replica_unavailable`), one further behind than
`DATABASE_REPLICA_MAX_LAG_SECONDS` is skipped for everyone (logged `replica_lagging`); with no
replica left the read goes to the primary.
"""

from __future__ import annotations

import contextvars
import itertools
import re
import threading
import time
from dataclasses import dataclass, field

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.utils.functional import SimpleLazyObject, empty

logger = structlog.get_logger(__name__)

PRIMARY = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# URL names whose GET may read a replica: lists, statements, reports (DESIGN-CYCLE.md).
LAG_TOLERANT_URL_NAMES = re.compile(r"(^report-|-list$|statement$|^school-students$|^student-invoices$)")
MARKER_KEY = "replica:written-lsn:{user_id}"


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def lsn_to_int(lsn: str) -> int:
    """PostgreSQL's `X/Y` WAL position as one comparable number."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass
class _ReplicaHealth:
    """Per process: when a replica may be tried again after failing or lagging."""

    retry_at: float = 0.0
    state: str = "up"  # up | unavailable | lagging (for logging transitions once)


_health: dict[str, _ReplicaHealth] = {}
_health_lock = threading.Lock()
_rotation = itertools.count()


@dataclass
class RequestReads:
    """What one request may read from a replica, decided on its first read that could."""

    request: object
    lag_tolerant: bool
    wrote: bool = False
    alias: str | None = None
    user_id: str | None = None
    notes: list = field(default_factory=list)


_current: contextvars.ContextVar[RequestReads | None] = contextvars.ContextVar("replica_reads", default=None)


def lag_tolerant_request(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name and LAG_TOLERANT_URL_NAMES.search(match.url_name))


def _known_user(request):
    """The request's user if authentication has already run, else None (never triggers it)."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject):
        wrapped = user._wrapped
        user = None if wrapped is empty else wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def _read_marker(user_id) -> int | None:
    """The WAL position of this user's last write, or None. Raises if the cache cannot answer."""
    key = MARKER_KEY.format(user_id=user_id)
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):
        value = client.get(key)  # django-redis' client: raises instead of ignoring an outage
    else:
        value = cache.get(key)
    return int(value) if value is not None else None


def _probe(alias: str) -> tuple[int, float]:
    """(replay position, seconds behind) of a replica; raises DatabaseError if it does not answer."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_last_wal_replay_lsn()::text, CASE WHEN pg_last_wal_receive_lsn() = "
            "pg_last_wal_replay_lsn() THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - "
            "pg_last_xact_replay_timestamp()), 0) END"
        )
        lsn, lag = cursor.fetchone()
    if lsn is None:
        raise DatabaseError(f"{alias} is not a standby (no replay position)")
    return lsn_to_int(lsn), float(lag)


def _mark(alias: str, state: str, **details) -> None:
    with _health_lock:
        health = _health.setdefault(alias, _ReplicaHealth())
        if state == "up":
            if health.state != "up":
                logger.info("replica_available", database=alias)
            health.state, health.retry_at = "up", 0.0
            return
        if health.state != state:
            logger.warning(f"replica_{state}", database=alias, **details)
        health.state = state
        health.retry_at = time.monotonic() + settings.DATABASE_REPLICA_RETRY_SECONDS


def _choose(reads: RequestReads, written_lsn: int | None) -> str:
    aliases = replica_aliases()
    start = next(_rotation)
    now = time.monotonic()
    for offset in range(len(aliases)):
        alias = aliases[(start + offset) % len(aliases)]
        health = _health.get(alias)
        if health is not None and health.state != "up" and now < health.retry_at:
            continue
        try:
            replayed, lag = _probe(alias)
        except DatabaseError as error:
            connections[alias].close()
            _mark(alias, "unavailable", error=str(error).strip()[:200])
            continue
        if lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
            _mark(alias, "lagging", lag_seconds=round(lag, 1))
            continue
        _mark(alias, "up")
        if written_lsn is not None and replayed < written_lsn:
            reads.notes.append(f"{alias} behind this user's write")
            continue  # this replica has not replayed the user's own write yet
        return alias
    return PRIMARY


class ReplicaRouter:
    """Django database router (settings.DATABASE_ROUTERS when replicas are configured)."""

    def db_for_read(self, model, **hints):
        reads = _current.get()
        if reads is None or not reads.lag_tolerant or reads.wrote:
            return PRIMARY
        if reads.alias is not None:
            return reads.alias
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        user = _known_user(reads.request)
        if user is None:
            return PRIMARY  # authentication's own lookups, before the user is known
        try:
            written_lsn = _read_marker(user.pk)
        except Exception as error:  # noqa: BLE001 - no marker readable: the primary is always fresh
            logger.warning("replica_marker_unreadable", error=str(error)[:200])
            reads.alias = PRIMARY
            return PRIMARY
        reads.user_id = str(user.pk)
        reads.alias = _choose(reads, written_lsn)
        return reads.alias

    def db_for_write(self, model, **hints):
        reads = _current.get()
        if reads is not None:
            reads.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas are copies of the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def routed_connection(model):
    """The connection the router picks for reading `model` (for plain-SQL selectors)."""
    from django.db import router

    return connections[router.db_for_read(model)]


class ReplicaMiddleware:
    """Opens the request's routing state and records a writer's WAL position afterwards."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads = RequestReads(request=request, lag_tolerant=False)
        token = _current.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if reads.wrote or request.method not in SAFE_METHODS:
            self._remember_write(request)
        if reads.alias is not None:
            response["X-Read-Database"] = "primary" if reads.alias == PRIMARY else "replica"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        reads = _current.get()
        if reads is not None:
            reads.lag_tolerant = lag_tolerant_request(request)

    @staticmethod
    def _remember_write(request) -> None:
        user = _known_user(request)
        if user is None:
            return
        try:
            with connections[PRIMARY].cursor() as cursor:
                # The insert position: past this request's commit record even when the commit
                # has not been flushed yet (synchronous_commit=off); pg_current_wal_lsn() is not.
                cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
                (lsn,) = cursor.fetchone()
            cache.set(MARKER_KEY.format(user_id=user.pk), lsn_to_int(lsn),
                      settings.DATABASE_REPLICA_STICKY_SECONDS)
        except Exception as error:  # noqa: BLE001 - the response is already made; say so loudly
            logger.error("replica_marker_not_written", error=str(error)[:200])
