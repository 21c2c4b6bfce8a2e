"""Domain errors and the one place that turns any error into the API's error shape.

Shape: {"code": "<stable_snake_case>", "detail": "<sentence>", "fields": {...}} (fields only for
validation errors). Codes are part of the API: never rename one, add a new one.
"""

import sys

import structlog
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = structlog.get_logger(__name__)


class DomainError(Exception):
    """A business rule refused the operation.

    Each subclass is one declaration: its stable code and its status (400 unless said) in the
    class line, the translatable sentence below, e.g.

        class InvoiceCancelled(BillingError, code="invoice_cancelled", status=HTTPStatus.CONFLICT):
            default_detail = _("This invoice is cancelled.")
    """

    code = "domain_error"
    status = status.HTTP_400_BAD_REQUEST
    default_detail = _("The operation was refused.")

    def __init_subclass__(cls, *, code: str | None = None, status: int | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status = status

    def __init__(self, detail: str | None = None, *, fields: dict | None = None):
        self.detail = detail or self.default_detail
        self.fields = fields
        super().__init__(self.detail)


class NotFound(DomainError):
    code = "not_found"
    status = status.HTTP_404_NOT_FOUND
    default_detail = _("Not found.")


class PermissionDenied(DomainError):
    """The caller sees the row, but their role in its school does not allow the action."""

    code = "permission_denied"
    status = status.HTTP_403_FORBIDDEN
    default_detail = _("Your role in this school does not allow this action.")


class Conflict(DomainError):
    code = "conflict"
    status = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state.")


class ServiceUnavailable(drf_exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = _("The service is temporarily unavailable; try again shortly.")


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    body = {"code": code, "detail": detail}
    if fields:
        body["fields"] = fields
    return body


_DRF_CODES = {
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.PermissionDenied: "permission_denied",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "throttled",
    drf_exceptions.ParseError: "parse_error",
}


def _flatten_detail(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten_detail(d) for d in detail)
    if isinstance(detail, dict):
        # simplejwt's InvalidToken carries {"detail", "code", "messages"}: the sentence is enough.
        if "detail" in detail:
            return _flatten_detail(detail["detail"])
        return " ".join(_flatten_detail(d) for d in detail.values())
    return str(detail)


def _validation_fields(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: [str(m) for m in value] if isinstance(value, list) else _validation_fields(value)
            if isinstance(value, dict) else [str(value)]
            for key, value in detail.items()
        }
    return {"non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


def api_exception_handler(exc, context):
    """DRF EXCEPTION_HANDLER: every error leaves in the same shape, and rolls the write back."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.code, exc.detail, exc.fields), status=exc.status)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database_unavailable", error=str(exc))
        exc = ServiceUnavailable()
    elif isinstance(exc, DatabaseError):
        logger.exception("database_error")
        set_rollback()
        return Response(
            error_body("server_error", gettext("An unexpected error occurred.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if not isinstance(exc, drf_exceptions.APIException):
        return None  # Django turns it into a 500; handler500 gives the JSON shape.

    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, drf_exceptions.ValidationError):
        body = error_body(
            "validation_error", gettext("The request is invalid."), _validation_fields(exc.detail)
        )
    else:
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
        code = code or (exc.default_code if isinstance(exc.default_code, str) else "error")
        body = error_body(code, _flatten_detail(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def json_404(request, exception=None):
    return JsonResponse(error_body("not_found", gettext("Not found.")), status=404)


def json_500(request):
    # Django calls handler500 while handling the exception: a database outage met outside DRF
    # (session or auth middleware, the admin, a plain view) is a 503 "try again", not a 500.
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return JsonResponse(
            error_body(ServiceUnavailable.default_code, str(ServiceUnavailable.default_detail)),
            status=503,
        )
    return JsonResponse(error_body("server_error", gettext("An unexpected error occurred.")), status=500)


def json_400(request, exception=None):
    return JsonResponse(error_body("bad_request", gettext("Bad request.")), status=400)


def json_403(request, exception=None):
    return JsonResponse(error_body("permission_denied", gettext("Permission denied.")), status=403)
