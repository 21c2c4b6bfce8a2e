import structlog
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

logger = structlog.get_logger(__name__)


def health(request):
    """200 when the database answers; 503 when it does not. A cache outage is reported only."""
    checks = {"database": "ok", "cache": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure to reach the database means "down"
        logger.warning("health_database_down", error=str(exc))
        checks["database"] = "unavailable"
    try:
        cache.set("health:ping", "1", 5)
        if cache.get("health:ping") != "1":
            raise RuntimeError("cache did not return what was written")
    except Exception as exc:
        logger.warning("health_cache_down", error=str(exc))
        checks["cache"] = "unavailable"
    healthy = checks["database"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
