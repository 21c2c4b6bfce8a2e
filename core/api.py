"""Small helpers shared by the API views."""

import datetime
import functools
import re

from django.core.exceptions import ImproperlyConfigured
from django.urls import re_path
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.generics import GenericAPIView
from rest_framework.relations import PKOnlyObject
from rest_framework.response import Response

from core.money import ROUNDING


def parse(serializer_class: type[serializers.Serializer], data, **kwargs) -> dict:
    """Validate request data against an input serializer and return its validated data."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def route(path: str, view: type, name: str):
    """The URL of one API view, written like `path()`'s: `bank-lines/<line_id>/confirm`.

    Every route answers with and without a trailing slash, without a redirect. An id matches
    `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
    """
    if not re.fullmatch(r"[a-z0-9/<>_-]+", path):
        raise ImproperlyConfigured(f"API route {path!r}: letters, digits, '-', '/' and <ids> only.")
    pattern = re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", path)
    return re_path(rf"^{pattern}/?$", view.as_view(), name=name)


# The two reads every resource has. Its selector scopes them to the caller (what they cannot see is
# a 404), so a subclass names the selector and `serializer_class`, its output; the schema of `get`
# goes on the subclass (`extend_schema_view`). (Comments, not docstrings, on these bases: the schema
# would read a docstring as the description of every operation that has none.)


# A page of the caller's rows, through the view's filters: `select(user=...)`, or the subclass's
# own get_queryset when the path narrows them (a school's, a family's).
class PagedListApi(GenericAPIView):
    select = None

    def get_queryset(self):
        return self.select(user=self.request.user)

    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.serializer_class(page, many=True).data)


# One row: `getter(user=..., <the path's id>)`. The route names its id as the selector's keyword
# does (`bank-lines/<line_id>`, bank_line_get(user=..., line_id=...)).
class DetailApi(GenericAPIView):
    filter_backends: list = []
    getter = None

    def get_object(self):
        return self.getter(user=self.request.user, **self.kwargs)

    def get(self, request, **kwargs):
        return Response(self.serializer_class(self.get_object()).data)


def update_schemas(name: str, *, description: str, **kwargs) -> dict:
    """The schemas of a PUT that changes only the fields sent and of its PATCH, the same call:
    `extend_schema_view(**update_schemas("students", ...))` documents `students_update` and
    `students_partial_update` alike but for PATCH's description."""
    return {
        "put": extend_schema(operation_id=f"{name}_update", description=description, **kwargs),
        "patch": extend_schema(
            operation_id=f"{name}_partial_update", description="Same as PUT: only the fields sent change.",
            **kwargs,
        ),
    }


@functools.cache
def _output_fields(serializer_class: type[serializers.Serializer]) -> list:
    """The readable fields of an output serializer, built and bound once per process."""
    return list(serializer_class()._readable_fields)


def output_body(serializer_class: type[serializers.Serializer], instance) -> dict:
    """What `serializer_class(instance).data` answers, without rebuilding its fields.

    DRF deep-copies a serializer's declared fields for every instance it renders; on a write that
    answers one object (a payment's receipt) that copy cost more CPU than the rest of the
    rendering (bench/README.md). Here the fields are built once and shared, read-only, so only for
    output serializers whose fields use no context (no request, no hyperlinks). The loop is
    Serializer.to_representation's own; tests compare the two bodies.
    """
    body = {}
    for field in _output_fields(serializer_class):
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            continue
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        body[field.field_name] = None if check_for_none is None else field.to_representation(attribute)
    return body


class InputSerializer(serializers.Serializer):
    """Base for request bodies: a key the serializer does not know is a 400, not silently dropped.

    A typo (`frist_name`) or a read-only key (`id`, `paid_amount`) sent by a client would otherwise
    be ignored and the client would believe it had been written.
    """

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data.keys()) - writable)
            if unknown:
                raise serializers.ValidationError({key: [gettext_lazy("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)


class UUIDInBodyField(serializers.UUIDField):
    """A UUID sent as a string. DRF's UUIDField also reads an integer as UUID(int=...), so a
    client's `{"student_id": 12345}` would become 00000000-...-3039 and answer 404; it is a 400."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class MoneyField(serializers.DecimalField):
    """Money in JSON: a number with two decimals; accepted as a number or a numeric string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", False)
        kwargs.setdefault("rounding", ROUNDING)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


def render_api_timestamps_in_utc() -> None:
    """Timestamps in the API are ISO 8601 UTC (`2026-03-20T10:30:00Z`), as DESIGN.md says.

    DRF renders them in the active time zone (settings.TIME_ZONE, which must stay active because
    it decides what "today" and "overdue" mean). Setting the field's time zone once, here, covers
    every serializer, including the plain `serializers.DateTimeField()` ones. A naive timestamp
    sent by a client is read as UTC for the same reason.
    """
    serializers.DateTimeField.timezone = datetime.UTC


def _flat_messages(detail, prefix: str = "") -> list[str]:
    """Nested errors as flat messages (`[1].amount: A valid number is required.`): the error
    shape's `fields` holds lists of strings, never nested objects."""
    if isinstance(detail, dict):
        return [
            message
            for key, value in detail.items()
            for message in _flat_messages(
                value, f"{prefix}[{key}]" if isinstance(key, int) else
                prefix if key == "non_field_errors" else f"{prefix}.{key}"
            )
        ]
    if isinstance(detail, list):
        return [message for item in detail for message in _flat_messages(item, prefix)]
    return [f"{prefix.lstrip('.')}: {detail}" if prefix else str(detail)]


class FlatList(serializers.ListField):
    """A list in a request body (of values, or of nested objects like `items` and `tiers`) whose
    errors read as flat messages."""

    def to_internal_value(self, data):
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(_flat_messages(error.detail)) from None
        return [dict(value) if isinstance(value, dict) else value for value in values]


class FlatDict(serializers.DictField):
    """An object of values in a request body (like a fiscal profile's `rvoe` per level) whose
    errors read as flat messages (`PRIMARIA: Ensure this field has no more than 60 characters.`)."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(_flat_messages(error.detail)) from None
