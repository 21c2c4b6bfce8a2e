"""Audit-history rows for the hot writes, written in one statement.

django-simple-history writes a tracked model's history row from its post_save signal: a history
model instance built field by field, its pre/post-create signals, then `Model.save()` through the
ORM's insert compiler, once per row. A payment writes two rows (the payment and its invoice), and
that was the largest single layer of its CPU (bench/README.md, "audit history").

For such a write, the service saves inside `history_deferred(...)` (simple-history's own
`skip_history_when_saving` flag) and then calls `history_write(...)`, which stores the same rows:
every column simple-history would store, with the same values (history date, type, user from the
request or `_history_user`, change reason), plus the request id and IP that `core.audit` stamps
on every history row. The INSERT of each history table is built once per process; on PostgreSQL
all the rows go in one statement (data-modifying CTEs), elsewhere one INSERT per row.
tests/core/test_history.py checks the rows equal simple-history's own, column by column.

simple-history's pre/post-create signals are not sent for these rows: `core.audit`'s stamp is
their only receiver, and it is applied here directly (the same test fails if another receiver is
ever connected, so that a new one cannot be skipped silently).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone
from simple_history.utils import get_change_reason_from_object

from core.audit import history_request_attrs

# (vendor, history table) -> (INSERT ... VALUES (...) without the leading INSERT, fields)
_statements: dict[tuple[str, str], tuple[str, list[models.Field]]] = {}

_SPECIAL = frozenset({"history_date", "history_type", "history_user", "history_change_reason",
                      "request_id", "ip_address"})


_history_models: dict[type, type] = {}


def _history_model(instance: models.Model):
    # simple-history's descriptor builds a manager class on every access: look it up once.
    model = type(instance)
    if model not in _history_models:
        _history_models[model] = getattr(model, model._meta.simple_history_manager_attribute).model
    return _history_models[model]


def _statement(connection, history_model) -> tuple[str, list[models.Field]]:
    key = (connection.vendor, history_model._meta.db_table)
    if key not in _statements:
        quote = connection.ops.quote_name
        fields = [
            f for f in history_model._meta.concrete_fields
            # The history row's own id comes from the database (an identity column).
            if not (f.primary_key and isinstance(f, AutoFieldMixin))
        ]
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        _statements[key] = (
            f"INSERT INTO {quote(history_model._meta.db_table)} ({columns}) VALUES ({placeholders})",  # noqa: S608 - model metadata, quoted; values are parameters
            fields,
        )
    return _statements[key]


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
    """Write the history rows of saved instances: (instance, "+") for a creation, "~" a change."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True) or not changes:
        return
    connection = connections[using]
    audit = history_request_attrs()
    statements: list[tuple[str, list]] = []
    for instance, history_type in changes:
        history_model = _history_model(instance)
        sql, fields = _statement(connection, history_model)
        user = history_model.get_default_history_user(instance)
        special = {
            "history_date": getattr(instance, "_history_date", None) or timezone.now(),
            "history_type": history_type,
            "history_user": None if user is None else user.pk,
            "history_change_reason": get_change_reason_from_object(instance),
            **audit,
        }
        params = [
            f.get_db_prep_save(special[f.name] if f.name in _SPECIAL else getattr(instance, f.attname),
                               connection)
            for f in fields
        ]
        statements.append((sql, params))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            # One round trip: every INSERT but the last as a data-modifying CTE (always executed).
            ctes = ", ".join(f"h{n} AS ({sql})" for n, (sql, _) in enumerate(statements[:-1]))
            params = [p for _, part in statements for p in part]
            cursor.execute(f"WITH {ctes} {statements[-1][0]}", params)
        else:
            for sql, params in statements:
                cursor.execute(sql, params)
