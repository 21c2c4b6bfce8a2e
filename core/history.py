"""Audit-history rows written in SQL, for the writes where simple-history's own path costs too much.

django-simple-history writes a tracked model's history row from its post_save signal: a history
model instance built field by field, its pre/post-create signals, then `Model.save()` through the
ORM's insert compiler, once per row. A payment writes two rows (the payment and its invoice), and
that was the largest single layer of its CPU (bench/README.md, "audit history"); set-based writes
(the overdue sweep's `.update()`, a bank import's bulk payments) have no `save()` at all.

Both kinds of caller go through one writer: the history row is a copy of the row as it is now
stored, `INSERT INTO <history> (...) SELECT <tracked columns>, <when, type, who, why, request id,
IP> FROM <table> WHERE <pk> IN (...)`, so no model instance is built for it. Two entry points say
where the who/why/when come from:

- `history_write((instance, "+"), ...)`: instances saved inside `history_deferred(...)`
  (simple-history's own `skip_history_when_saving` flag); each row takes what simple-history
  would take from that instance (`_history_date`, the user from the request or `_history_user`,
  `_change_reason`). On PostgreSQL all the rows go in one statement (data-modifying CTEs).
- `history_copy(model, ids, history_type=..., user=..., reason=...)`: rows changed in bulk,
  one who/why for all of them, in as few statements as the database's parameter limit allows.

Every row also carries the request id and IP that `core.audit` stamps on every history row.
tests/core/test_history.py checks the rows equal simple-history's own, column by column.

simple-history's pre/post-create signals are not sent for these rows: `core.audit`'s stamp is
their only receiver, and it is applied here directly (the same test fails if another receiver is
ever connected, so that a new one cannot be skipped silently).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone
from simple_history.utils import get_change_reason_from_object

from core.audit import CHANGE_REASON_MAX_LENGTH, history_request_attrs

# The history columns that say when, how, who, why and from which request; every other column is
# a copy of the tracked row's. In this order they are the statement's parameters.
_STAMP = ("history_date", "history_type", "history_user", "history_change_reason", "request_id",
          "ip_address")

# (vendor, history table) -> ("INSERT ... SELECT ... WHERE pk IN ", the stamp's fields)
_statements: dict[tuple[str, str], tuple[str, list[models.Field]]] = {}

_history_models: dict[type, type] = {}


def _history_model(model: type[models.Model]):
    # simple-history's descriptor builds a manager class on every access: look it up once.
    if model not in _history_models:
        _history_models[model] = getattr(model, model._meta.simple_history_manager_attribute).model
    return _history_models[model]


def _statement(connection, model: type[models.Model]) -> tuple[str, list[models.Field]]:
    history = _history_model(model)
    key = (connection.vendor, history._meta.db_table)
    if key not in _statements:
        quote = connection.ops.quote_name

        def placeholder(field) -> str:
            # PostgreSQL types a bare parameter in a SELECT list as text; SQLite stores what it gets.
            return f"CAST(%s AS {field.db_type(connection)})" if connection.vendor == "postgresql" else "%s"

        # The history row's own id comes from the database (an identity column).
        fields = [f for f in history._meta.concrete_fields
                  if not (f.primary_key and isinstance(f, AutoFieldMixin))]
        stamp = [history._meta.get_field(name) for name in _STAMP]
        copied = [f for f in fields if f.name not in _STAMP]
        targets = ", ".join(quote(f.column) for f in copied + stamp)
        sources = ", ".join([quote(model._meta.get_field(f.name).column) for f in copied]
                            + [placeholder(f) for f in stamp])
        _statements[key] = (
            # Identifiers from the models' metadata, quoted; every value is a parameter.
            f"INSERT INTO {quote(history._meta.db_table)} ({targets}) SELECT {sources} "  # noqa: S608
            f"FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN ",
            stamp,
        )
    return _statements[key]


def _part(connection, model, ids: list, *, history_type: str, user_id, reason: str | None,
          when: datetime, audit: dict) -> tuple[str, list]:
    """One INSERT ... SELECT: the history rows of these rows of `model`, with one stamp."""
    sql, stamp = _statement(connection, model)
    values = {"history_date": when, "history_type": history_type, "history_user": user_id,
              "history_change_reason": reason, **audit}
    params = [f.get_db_prep_save(values[f.name], connection) for f in stamp]
    params += [model._meta.pk.get_db_prep_value(pk, connection) for pk in ids]
    return f"{sql}({', '.join(['%s'] * len(ids))})", params


def _execute(connection, parts: list[tuple[str, list]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(parts) > 1:
            # One round trip: every INSERT but the last as a data-modifying CTE (always executed).
            ctes = ", ".join(f"h{n} AS ({sql})" for n, (sql, _) in enumerate(parts[:-1]))
            cursor.execute(f"WITH {ctes} {parts[-1][0]}", [p for _, params in parts for p in params])
        else:
            for sql, params in parts:
                cursor.execute(sql, params)


def _enabled() -> bool:
    return getattr(settings, "SIMPLE_HISTORY_ENABLED", True)


@contextmanager
def history_deferred(*instances: models.Model) -> Iterator[None]:
    """Saves inside write no history row for these instances: the caller writes them with history_write."""
    for instance in instances:
        instance.skip_history_when_saving = True
    try:
        yield
    finally:
        for instance in instances:
            instance.__dict__.pop("skip_history_when_saving", None)


def history_write(*changes: tuple[models.Model, str], using: str = DEFAULT_DB_ALIAS) -> None:
    """Write the history rows of saved instances: (instance, "+") for a creation, "~" a change.

    Each row's who/why/when is what simple-history's post_save would take from that instance.
    """
    if not _enabled() or not changes:
        return
    connection = connections[using]
    audit = history_request_attrs()
    parts = []
    for instance, history_type in changes:
        user = _history_model(type(instance)).get_default_history_user(instance)
        parts.append(_part(
            connection, type(instance), [instance.pk], history_type=history_type,
            user_id=None if user is None else user.pk,
            reason=get_change_reason_from_object(instance),
            when=getattr(instance, "_history_date", None) or timezone.now(), audit=audit,
        ))
    _execute(connection, parts)


def history_copy(model: type[models.Model], ids: Iterable, *, history_type: str = "~", user=None,
                 reason: str | None = None, using: str = DEFAULT_DB_ALIAS) -> None:
    """One history row per row of `model` in `ids`, as the rows are now stored, for writes that
    bypass `save()`: "~" for rows changed in bulk (the overdue sweep), "+" for rows bulk-created
    (a bank import's payments). `user` and `reason` are the history's who and why for all of them
    (none given: no user, no reason, as a save outside a request would record).
    """
    ids = sorted(ids)
    if not _enabled() or not ids:
        return
    connection = connections[using]
    # SQLite caps a statement's parameters (999); PostgreSQL has no such limit: one statement.
    limit = connection.features.max_query_params
    size = max(1, limit - len(_STAMP)) if limit else len(ids)
    stamp = {
        "history_type": history_type, "user_id": None if user is None else user.pk,
        "reason": None if reason is None else reason[:CHANGE_REASON_MAX_LENGTH],
        "when": timezone.now(), "audit": history_request_attrs(),
    }
    _execute(connection, [_part(connection, model, ids[start:start + size], **stamp)
                          for start in range(0, len(ids), size)])
