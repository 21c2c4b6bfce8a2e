"""A service's lookup of the row it was asked about by id: the caller (an API client, an admin
action, a command) may name one that does not exist, which is a 404 `not_found`, not a crash."""

from django.db import models

from core.exceptions import NotFound


def row_get(rows: type[models.Model] | models.QuerySet, pk, *, lock: bool = False):
    """The row of `rows` (a model, or a queryset that already says how to read or lock it) with
    this primary key. `lock`: SELECT ... FOR UPDATE, for a service about to change the row.
    Raises NotFound."""
    queryset = rows._default_manager.all() if isinstance(rows, type) else rows
    if lock:
        queryset = queryset.select_for_update()
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row
