"""Cached statements and reports, invalidated by the per-school version kept in the database.

Every write that touches a school's money bumps `School.cache_version` in its own transaction
(schools.services.school_cache_version_bump), and every cache key carries the versions of the
schools it covers. Whatever the cache backend and however many workers serve, a read after a
write computes a new key, so it is never stale. With Redis down, django-redis ignores the error
(logged) and the value is computed from the database.
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import TypeVar
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Sum

from schools.models import School

T = TypeVar("T")


def school_versions_token(school_ids: Iterable[UUID] | None) -> str:
    """One query: a token that changes whenever any of these schools (None: all) is bumped."""
    schools = School.objects.all() if school_ids is None else School.objects.filter(pk__in=list(school_ids))
    totals = schools.aggregate(schools=Count("id"), versions=Sum("cache_version"))
    return f"{totals['schools']}.{totals['versions'] or 0}"


def cached_for_schools(
    *,
    namespace: str,
    school_ids: Iterable[UUID] | None,
    params: dict,
    compute: Callable[[], T],
    ttl: int | None = None,
) -> T:
    """Return compute()'s value, cached under the schools' current versions and `params`."""
    token = school_versions_token(school_ids)
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:32]
    key = f"{namespace}:{token}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.CACHE_TTL if ttl is None else ttl)
    return value
