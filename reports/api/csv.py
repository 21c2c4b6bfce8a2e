"""`?format=csv`: the report's rows as CSV, streamed from a database cursor by core.csv_export.

The columns are the output serializer's fields (the header row is the JSON keys) and each value
goes through the same field's to_representation as in the JSON. Nothing holds the whole report:
rows are fetched in chunks (a server-side cursor on PostgreSQL) as plain tuples (values_list: no
model instance per row) and written out chunk by chunk.
"""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer

from core import csv_export


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


def _values(rows: Iterator[tuple], fields: list[serializers.Field]) -> Iterator[list]:
    for values in rows:
        yield [
            None if value is None else field.to_representation(value)
            for field, value in zip(fields, values, strict=True)
        ]


def csv_response(
    queryset: QuerySet, serializer: serializers.Serializer, filename: str
) -> StreamingHttpResponse:
    """The whole queryset as a CSV download, one column per field of the output serializer.

    The query runs before the first byte (csv_export.counted_values): a failure is an error
    answer, never a truncated 200; X-Total-Rows says how many rows follow the header.
    """
    fields = list(serializer.fields.values())
    if any("." in field.source or field.source == "*" for field in fields):
        raise ValueError("CSV export reads flat columns: no dotted or '*' sources")
    total, rows = csv_export.counted_values(queryset, *[field.source for field in fields])
    return csv_export.csv_response(
        header=[field.field_name for field in fields], rows=_values(rows, fields), filename=filename,
        total_rows=total,
    )
