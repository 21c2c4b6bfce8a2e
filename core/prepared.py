"""A queryset compiled once per process and run again with other values: for the hottest reads.

Django compiles every queryset to SQL on every evaluation; for a one-row read that joins two
related models (a payment's locked invoice with its student and school: 40-odd columns) building
and compiling the query costs more CPU than PostgreSQL spends answering it (bench/README.md,
"where each millisecond goes"). `PreparedQuery` builds the queryset once with placeholder values,
keeps its compiler (SQL, select list, converters) and, per call, only swaps the parameter values
in and turns the row into instances exactly as Django's ModelIterable does (select_related
objects included). core/authentication.py does the same by hand for the JWT's user.

Only for querysets whose shape does not depend on the values (filters by equality, FOR UPDATE,
select_related, no IN lists): the placeholders are found among the compiled parameters by value.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from django.db import connections, models
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

_UUID = models.UUIDField()


class PreparedQuery:
    """`PreparedQuery(lambda pk: Invoice.objects.filter(pk=pk), pk=uuid)`; then `.first(pk=...)`.

    Each keyword names a placeholder and the type of its values; the placeholder is a value of
    that type that cannot occur (a fresh UUID), so its position among the parameters is exact.
    """

    def __init__(self, build: Callable[..., QuerySet], **kinds: type):
        self.build = build
        self.kinds = kinds
        self._compiled: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> tuple:
        if kinds := [k for k, kind in self.kinds.items() if kind is not uuid.UUID]:
            raise TypeError(f"only UUID placeholders are supported: {kinds}")
        placeholders = {name: uuid.uuid4() for name in self.kinds}
        queryset = self.build(**placeholders).using(alias)
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        prepared = {name: _UUID.get_db_prep_value(value, connection) for name, value in placeholders.items()}
        slots = []
        for param in params:
            names = [name for name, value in prepared.items() if param == value]
            slots.append(names[0] if names else (None, param))
        missing = set(self.kinds) - {s for s in slots if isinstance(s, str)}
        if missing:
            raise ValueError(f"placeholders not found in the compiled query: {sorted(missing)}")
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        return sql, slots, compiler, klass_info["model"], (start, end), init_list, populators

    def first(self, *, using: str = "default", **values) -> Model | None:
        """The first row's instance (related objects attached), or None."""
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.setdefault(using, self._compile(using))
        sql, slots, compiler, model, (start, end), init_list, populators = compiled
        connection = connections[using]
        params = [
            _UUID.get_db_prep_value(values[slot], connection) if isinstance(slot, str) else slot[1]
            for slot in slots
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        (row,) = compiler.results_iter([[row]])
        instance = model.from_db(using, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        return instance
