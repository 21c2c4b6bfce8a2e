"""`Idempotency-Key` for API writes: a retried request gets the first answer, never a second write.

The key is stored in the database (`core.models.IdempotencyRecord`, unique per user, scope and key)
in the same transaction as the write it protects:

1. A record that already exists is answered from: same body -> the stored status and body are
   replayed (header `Idempotent-Replayed: true`); another body -> 409 `idempotency_key_reused`.
2. Otherwise the record row is inserted first, then the write runs, then the answer is stored on
   the row, all in one transaction. A concurrent duplicate blocks on the unique index until the
   first transaction ends (PostgreSQL), or on the write lock taken at BEGIN (SQLite, IMMEDIATE
   mode); it then hits the unique violation, and replays the committed answer. Exactly one write.
3. A refused request (any 4xx raised by the write) rolls back with its record, so nothing is
   remembered: a retry runs again and gets the answer the state then deserves.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import Conflict
from core.models import IdempotencyRecord
from core.renderers import JSONRenderer

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = IdempotencyRecord._meta.get_field("key").max_length


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was already used with a different request body; use a new key."
    )


def idempotency_key_from(request: Request) -> str | None:
    """The request's key, or None when it sent none. A malformed key is a 400."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise serializers.ValidationError(
            {
                HEADER: [
                    gettext_lazy("Must be 1 to %(MAX_KEY_LENGTH)s printable ASCII characters.")
                    % {"MAX_KEY_LENGTH": MAX_KEY_LENGTH}
                ]
            }
        )
    return key


def request_fingerprint(data) -> str:
    """A digest of the parsed body: key order and whitespace do not make two bodies differ."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent_response(request: Request, *, scope: str, perform: Callable[[], Response]):
    """Run `perform` (one write, returning a 2xx Response) at most once per Idempotency-Key.

    Without the header, `perform` simply runs. Raises IdempotencyKeyReused (409) for a key reused
    with another body; whatever `perform` raises propagates, and nothing is recorded then.
    """
    key = idempotency_key_from(request)
    if key is None:
        return perform()
    user = request.user
    fingerprint = request_fingerprint(request.data)

    # Twice at most: the second pass only happens after losing the race to a concurrent duplicate,
    # whose committed record the lookup then finds.
    for _attempt in range(2):
        record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
        if record is not None:
            return _replay(record, fingerprint)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=user, scope=scope, key=key, request_fingerprint=fingerprint
                    )
            except IntegrityError:
                record = None  # a concurrent duplicate committed first: replay it
            if record is not None:
                response = perform()
                if not status.is_success(response.status_code):
                    # Only successful writes are remembered; an error answer is recomputed.
                    transaction.set_rollback(True)
                    return response
                content = _render(request, response)
                record.response_status = response.status_code
                record.response_body = content
                record.save(update_fields=["response_status", "response_body", "updated_at"])
                return response
    # Only reachable if the record was purged between the unique violation and the lookup.
    raise Conflict(_("A request with this Idempotency-Key is being processed; retry shortly."))


def _render(request: Request, response: Response) -> str:
    """The body exactly as the view's renderer will send it (same renderer, same media type)."""
    renderer = getattr(request, "accepted_renderer", None) or JSONRenderer()
    media_type = getattr(request, "accepted_media_type", None)
    return renderer.render(response.data, media_type, {"request": request, "response": response}).decode()


def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    if record.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    # The rendered text is stored as is, so the replay is byte for byte the first answer.
    response = HttpResponse(
        record.response_body, status=record.response_status, content_type="application/json"
    )
    response[REPLAY_HEADER] = "true"
    return response


def form_submission_claim(user, token: str, *, scope: str) -> bool:
    """Claim an admin form's one-time token (a hidden field rendered with the form); False when a
    previous POST of the same rendered form already did. Call it inside the write's transaction: a
    refused write rolls the claim back with it, so the corrected form can be sent again."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(user=user, scope=scope, key=token, request_fingerprint="")
    except IntegrityError:
        return False
    return True


def idempotency_records_purge(*, older_than) -> int:
    """Forget keys recorded before `older_than` (a datetime); returns how many were removed."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=older_than).delete()
    return deleted
