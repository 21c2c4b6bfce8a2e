"""The audit trail: who changed an invoice or registered a payment, when, from which request.

django-simple-history writes one append-only row per create/change (`history_user`,
`history_date`, a full copy of the row; `bulk_history_record` does the same for set-based writes,
which bypass `save()`). This module adds *where from*: the request id that
django-structlog binds to every log line of the request (so a history row can be matched to the
logs) and the client's IP address. It fills them in simple-history's `pre_create_historical_record`
signal, so every path that saves a tracked model (API, admin, management command) is covered
without the services knowing about it; outside a request both stay empty. Every response carries
the same id in `X-Request-ID`, so a client or an operator can quote it.

`AuditHistoryAdmin` shows that history in the admin, read-only: the per-version page cannot
revert or save anything, and only rows the staff user may see are shown.
"""

import copy
import ipaddress

import structlog
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

REQUEST_ID_MAX_LENGTH = 64


def client_ip(request) -> str | None:
    """The peer address as the app server saw it (a proxy in front rewrites it; see docs)."""
    address = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def history_request_attrs() -> dict:
    """The audit columns of a history row written now: the request id and the client's IP (both
    empty outside a request). For writers that bulk-insert history rows (simple-history's
    `bulk_history_create(custom_historical_attrs=...)` sends no signal)."""
    request_id = structlog.contextvars.get_contextvars().get("request_id") or ""
    request = getattr(HistoricalRecords.context, "request", None)
    return {
        "request_id": str(request_id)[:REQUEST_ID_MAX_LENGTH],
        "ip_address": client_ip(request) if request is not None else None,
    }


def history_request_stamp(sender, history_instance, **kwargs) -> None:
    """pre_create_historical_record receiver: copy the request id and IP onto the history row."""
    if not hasattr(history_instance, "request_id"):
        return  # a history model without the audit columns
    attrs = history_request_attrs()
    history_instance.request_id = attrs["request_id"]
    if attrs["ip_address"] is not None and not history_instance.ip_address:
        history_instance.ip_address = attrs["ip_address"]


# simple-history's column for the reason is 100 characters.
CHANGE_REASON_MAX_LENGTH = 100


def bulk_history_record(model, instances, *, user=None, reason: str = "") -> None:
    """One history row per instance ("~", changed), for writes that bypass `save()`: a set-based
    `.update()` or `bulk_update` (the overdue sweep, reconcile --fix). `instances` carry the values
    as written; a per-instance reason goes on `instance._change_reason`. One INSERT per 1,000 rows,
    no signal: the request id and IP are stamped here.
    """
    instances = list(instances)
    if not instances:
        return
    for instance in instances:
        if getattr(instance, "_change_reason", None):
            instance._change_reason = instance._change_reason[:CHANGE_REASON_MAX_LENGTH]
    model.history.bulk_history_create(
        instances, batch_size=1000, update=True, default_user=user,
        default_change_reason=reason[:CHANGE_REASON_MAX_LENGTH],
        custom_historical_attrs=history_request_attrs(),
    )


def request_id_header(sender, request, response, **kwargs) -> None:
    """Answer every request with its `X-Request-ID`: the key to its log lines and history rows.

    The id is made by the server (django-structlog ignores a client's X-Request-ID unless
    DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID is set behind a trusted proxy), so a client cannot
    plant a misleading id in the audit trail.
    """
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id and not response.has_header("X-Request-ID"):
        response["X-Request-ID"] = str(request_id)


def bind_client_ip(sender, request, logger, log_kwargs, **kwargs) -> None:
    """Every log line of the request carries the client's IP (the same address history records)."""
    structlog.contextvars.bind_contextvars(ip=client_ip(request))


def log_user_agent(sender, request, logger, response, log_kwargs, **kwargs) -> None:
    """The one line per request (`request_finished`) also says which client sent it."""
    log_kwargs["user_agent"] = request.META.get("HTTP_USER_AGENT")


def connect_signals() -> None:
    from django_structlog import signals as structlog_signals

    pre_create_historical_record.connect(history_request_stamp, dispatch_uid="core.audit.stamp")
    structlog_signals.bind_extra_request_metadata.connect(
        bind_client_ip, dispatch_uid="core.audit.bind_client_ip"
    )
    structlog_signals.bind_extra_request_finished_metadata.connect(
        request_id_header, dispatch_uid="core.audit.request_id_header"
    )
    structlog_signals.bind_extra_request_finished_metadata.connect(
        log_user_agent, dispatch_uid="core.audit.log_user_agent"
    )
    structlog_signals.update_failure_response.connect(
        request_id_header, dispatch_uid="core.audit.request_id_header_failure"
    )


class AuditHistoryAdmin(SimpleHistoryAdmin):
    """The admin's "History" page for a tracked model: every version, never editable.

    simple-history's per-version page is a change form that saves ("reverts") on POST; here it
    answers GETs only, shows every field read-only, and only for rows in the user's scope (404
    otherwise, like the rest of the admin).
    """

    history_list_display = ["request_id", "ip_address"]

    def revert_disabled(self, request, obj=None):
        return True

    def has_change_history_permission(self, request, obj=None):
        return False

    def _visible_or_404(self, request, object_id):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied("History is read-only.")
        self._visible_or_404(request, object_id)
        # The stored columns of that version, all read-only (a copy of this admin, so the model's
        # own page keeps its editable fields and computed columns).
        columns = [f.name for f in self.model._meta.fields if f.name not in ("id", "updated_at")]
        viewer = copy.copy(self)
        viewer.get_fields = lambda request, obj=None: columns
        viewer.get_readonly_fields = lambda request, obj=None: columns
        viewer.fieldsets = None
        return SimpleHistoryAdmin.history_form_view(viewer, request, object_id, version_id, extra_context)
