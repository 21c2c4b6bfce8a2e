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
from django.utils.translation import get_language

from core.dates import local_today
from core.replicas import routed_connection
from schools.models import School

T = TypeVar("T")


def school_versions_token(school_ids: Iterable[UUID] | None) -> str:
    """One query: a token that changes whenever any of these schools (None: all) is bumped.

    Plain SQL: it runs on every cached read, hits included, and the ORM's aggregate costs four
    times its CPU (bench/README.md). Read from the database the request's other reads use (a
    replica for lag-tolerant reads), so a page is cached under the versions of the data it shows.
    """
    connection = routed_connection(School)
    table = connection.ops.quote_name(School._meta.db_table)
    sql = f"SELECT COUNT(*), COALESCE(SUM(cache_version), 0) FROM {table}"  # noqa: S608 - our table
    params: list = []
    if school_ids is not None:
        pk = School._meta.pk
        params = [pk.get_db_prep_value(pk.to_python(s), connection) for s in school_ids]
        if not params:
            return "0.0"
        sql += f" WHERE id IN ({', '.join(['%s'] * len(params))})"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        schools, versions = cursor.fetchone()
    return f"{schools}.{versions}"


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


def cached_page(request, *, namespace: str, school_ids: Iterable[UUID] | None, compute: Callable[[], T]) -> T:
    """A page of a list, cached like a statement: under the versions of the schools it shows.

    The request's absolute URL names the page (filters, search, ordering, page number, and the host
    its links point to); the day is in the key because statuses are derived with it, the language
    because a page may hold translated words. A write bumps the schools it touches, so a read after
    it computes a new key. For lists whose every row belongs to one of `school_ids`.
    """
    school_ids = None if school_ids is None else sorted(school_ids)
    return cached_for_schools(
        namespace=namespace,
        school_ids=school_ids,
        # The versions token sums the schools' versions: the ids say whose they are.
        params={"schools": school_ids, "url": request.build_absolute_uri(), "today": local_today(),
                "language": get_language()},
        compute=compute,
    )
