"""`?format=csv`: the report's rows as CSV, streamed from a database cursor.

The columns are the output serializer's fields (the header row is the JSON keys) and each value
goes through the same field's to_representation as in the JSON. Nothing holds the whole report:
rows are fetched in chunks (a server-side cursor on PostgreSQL) as plain tuples (values_list: no
model instance per row) and written out chunk by chunk.
"""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer

CHUNK_ROWS = 2000
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CSVRenderer(BaseRenderer):
    """Lets content negotiation pick CSV (`?format=csv`, `Accept: text/csv`).

    The report views answer CSV with a StreamingHttpResponse themselves; errors are rendered
    as JSON. This renderer only ever sees data if something else goes wrong, and then writes it
    as a one-column CSV rather than failing.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return "" if data is None else str(data)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    return str(value)


def csv_rows(queryset: QuerySet, serializer: serializers.Serializer) -> Iterator[str]:
    """Header row, then one line per row of the queryset, in chunks of CHUNK_ROWS lines."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    fields = list(serializer.fields.values())
    if any("." in field.source or field.source == "*" for field in fields):
        raise ValueError("CSV export reads flat columns: no dotted or '*' sources")
    yield writer.writerow([field.field_name for field in fields])
    chunk: list[str] = []
    rows = queryset.values_list(*[field.source for field in fields])
    for values in rows.iterator(chunk_size=CHUNK_ROWS):
        chunk.append(writer.writerow([
            "" if value is None else _cell(field.to_representation(value))
            for field, value in zip(fields, values, strict=True)
        ]))
        if len(chunk) >= CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def csv_response(
    queryset: QuerySet, serializer: serializers.Serializer, filename: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_rows(queryset, serializer), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
