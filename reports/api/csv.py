"""`?format=csv`: the report's rows as CSV, streamed from a database cursor.

The rows go through the same output serializer as the JSON, so the CSV has the same columns
(the header row is the JSON keys) and the same values. Nothing holds the whole report: rows are
fetched in chunks (a server-side cursor on PostgreSQL) and written out chunk by chunk.
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
    names = list(serializer.fields)
    yield writer.writerow(names)
    chunk: list[str] = []
    for row in queryset.iterator(chunk_size=CHUNK_ROWS):
        data = serializer.to_representation(row)
        chunk.append(writer.writerow([_cell(data[name]) for name in names]))
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
