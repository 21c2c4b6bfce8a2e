"""The one CSV writer: the admin's export and the reports' `?format=csv` both stream through it.

Cells a spreadsheet would run as a formula (CSV injection: a name like `=HYPERLINK(...)` typed into
the app) are written with a leading apostrophe, which Excel and LibreOffice show as text. A cell is a
formula when it starts with = + - @, and also with a tab or a carriage return, which both
spreadsheets skip before looking for the sign.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import Count, QuerySet, Window
from django.http import StreamingHttpResponse

CHUNK_ROWS = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() hands back the line, so csv.writer can build lines lazily."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value) -> str:
    """One cell: empty for None, true/false for booleans, text guarded against formulas.

    Only text is guarded: a number (a negative amount) is not a formula and must stay a number.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


def csv_lines(header: Sequence, rows: Iterable[Sequence], *, bom: bool = False) -> Iterator[str]:
    """The header line, then the rows, CHUNK_ROWS lines per piece; every cell through csv_cell."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    if bom:
        yield "\ufeff"  # so Excel reads UTF-8 accents right
    yield writer.writerow([csv_cell(name) for name in header])
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([csv_cell(value) for value in row]))
        if len(chunk) >= CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


TOTAL_ROWS_HEADER = "X-Total-Rows"
_TOTAL = "csv_export_total_rows"


def counted_values(queryset: QuerySet, *fields: str) -> tuple[int, Iterator[tuple]]:
    """Run an export's query now, before the first byte is sent; (row count, the rows as tuples).

    A download must not end half-written behind a 200 (a statement timeout or a lost database
    mid-stream used to cut the file short, silently). Each row carries `COUNT(*) OVER ()`, so the
    database has to produce every row before it returns the first: the whole cost of the query is
    paid in the first fetch, here, where a failure is still an ordinary error answer (503). The
    later fetches only read what is already computed. The count goes out in `X-Total-Rows`, so a
    client can check it received every line (the header line plus that many rows).
    """
    rows = queryset.annotate(**{_TOTAL: Window(Count("*"))}).values_list(*fields, _TOTAL)
    iterator = rows.iterator(chunk_size=CHUNK_ROWS)
    first = next(iterator, None)
    if first is None:
        return 0, iter(())

    def stripped() -> Iterator[tuple]:
        yield first[:-1]
        for row in iterator:
            yield row[:-1]

    return first[-1], stripped()


def csv_response(
    *, header: Sequence, rows: Iterable[Sequence], filename: str, bom: bool = False,
    total_rows: int | None = None,
) -> StreamingHttpResponse:
    """A streamed CSV download: nothing holds the whole file (feed `rows` from a DB iterator).

    `total_rows` (from counted_values) is sent as X-Total-Rows: the end of the file is verifiable.
    """
    response = StreamingHttpResponse(
        csv_lines(header, rows, bom=bom), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    if total_rows is not None:
        response[TOTAL_ROWS_HEADER] = str(total_rows)
    return response
