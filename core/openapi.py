"""OpenAPI plumbing: the error shape as one component, and error responses on every operation.

`AutoSchema` (settings: DEFAULT_SCHEMA_CLASS) adds to each operation the errors that follow from
how the view is built, so nobody has to remember them:

- 400 when the operation takes a body or query parameters (validation_error, parse_error);
- 401 when it needs a bearer token;
- 403 when it writes (a role can be too low);
- 404 when its path has an id (unknown, malformed, or outside the caller's schools), or when it is
  paginated (a page past the last one);
- 415 when it takes a body;
- 429 when a throttle applies.

What the view cannot tell (409 state conflicts, 403 on a read reserved to a role, 405 on an
immutable resource, a custom description) is added with `error_responses`:

    @extend_schema(responses={200: SchoolOutput, **error_responses(403, 409)})

Descriptions can be overridden per status: `error_responses(409, descriptions={409: "..."})`.
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (DESIGN.md, "Errors")."""

    code = serializers.CharField(
        help_text="Stable snake_case code, e.g. validation_error, not_found, overpayment. Never renamed."
    )
    detail = serializers.CharField(help_text="A human-readable sentence.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: messages per field of the request.",
    )


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Invalid input (`validation_error`, with `fields`) or a malformed body (`parse_error`).",
    401: "No bearer token, or an invalid or expired one (`not_authenticated`, `authentication_failed`).",
    403: "Your role in this school does not allow this action (`permission_denied`).",
    404: "Unknown or malformed id, or a row outside your schools (`not_found`).",
    405: "This method is not allowed here (`method_not_allowed`).",
    409: "The request conflicts with the current state of the resource.",
    415: "Unsupported Content-Type; send `application/json` (`unsupported_media_type`).",
    429: "Too many requests (`throttled`); retry after the number of seconds in `Retry-After`.",
}


def error_responses(*statuses: int, descriptions: dict[int, str] | None = None) -> dict:
    """`responses=` entries for these error statuses, all with the shared Error component."""
    descriptions = descriptions or {}
    return {
        status: OpenApiResponse(
            response=ErrorSerializer,
            description=descriptions.get(status, ERROR_DESCRIPTIONS.get(status, "Error.")),
        )
        for status in statuses
    }


def uuid_path_parameter(name: str, description: str = "") -> OpenApiParameter:
    """A UUID path parameter (routes use `[^/]+`, so the type has to be declared)."""
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=description)


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema plus the error responses every operation can answer."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        has_id = any(p.get("in") == "path" for p in operation.get("parameters", []))
        # A paginated list answers 404 for a page past the last one (DRF's page number pagination).
        descriptions = {} if has_id else {404: "No such page: `page` is past the last one (`not_found`)."}
        for status in self._implied_error_statuses(operation):
            if str(status) not in responses:
                # Errors are JSON whatever the operation answers on success (a PDF, for one).
                responses[str(status)] = self._get_response_for_code(
                    error_responses(status, descriptions=descriptions)[status], str(status),
                    media_types=["application/json"],
                )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _implied_error_statuses(self, operation: dict) -> list[int]:
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        security = operation.get("security") or []
        needs_token = bool(security) and {} not in security
        statuses = []
        if has_body or any(p.get("in") == "query" for p in parameters):
            statuses.append(400)
        if needs_token:
            statuses.append(401)
            if self.method in ("POST", "PUT", "PATCH", "DELETE"):
                statuses.append(403)
        if any(p.get("in") == "path" for p in parameters) or any(
            p.get("in") == "query" and p.get("name") == "page" for p in parameters
        ):
            statuses.append(404)
        if has_body:
            statuses.append(415)
        if self.view.get_throttles():
            statuses.append(429)
        return statuses


def strip_trailing_slashes(result, generator, request, public):
    """Postprocessing hook: document `/api/v1/schools`, as the seed does, not `/api/v1/schools/`.

    Routes match with and without the slash (`/?$`); drf-spectacular renders that as a slash.
    """
    result["paths"] = {
        (path.rstrip("/") or "/"): item for path, item in result.get("paths", {}).items()
    }
    return result


class BearerJWTScheme(SimpleJWTScheme):
    """core.authentication.JWTAuthentication is simplejwt's with a cheaper user read: same scheme."""

    target_class = "core.authentication.JWTAuthentication"
