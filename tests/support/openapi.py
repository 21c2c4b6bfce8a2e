"""OpenAPI schemas of parts of the API, for the tests that hold each app's part to the same bar."""

from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator


def warning_free_schema(patterns: list) -> dict:
    """The schema of these URL patterns alone. Fails the test when drf-spectacular warns or errs while
    generating it: a warning means a guessed type or a missing serializer, so the schema lies."""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache, dict(
        GENERATOR_STATS._warn_cache
    )
    return schema
