from collections.abc import Iterable
from uuid import UUID

from django.db.models import F

from schools.models import School


def school_cache_version_bump(*, school_ids: Iterable[UUID]) -> None:
    """Invalidate every cached statement and report of these schools.

    Call it inside the transaction of the money write, after the invoice rows are locked (lock
    order: invoice rows, then the school row), so the new version commits with the write.
    """
    ids = sorted(set(school_ids))
    if ids:
        School.objects.filter(pk__in=ids).update(cache_version=F("cache_version") + 1)
