"""The one CSV writer: the admin's export and the reports' `?format=csv` both stream through it.

Cells a spreadsheet would run as a formula (CSV injection: a name like `=HYPERLINK(...)` typed into
the app) are written with a leading apostrophe, which Excel and LibreOffice show as text. A cell is a
formula when it starts with = + - @, and also with a tab or a carriage return, which both
spreadsheets skip before looking for the sign.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence

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


def csv_response(
    *, header: Sequence, rows: Iterable[Sequence], filename: str, bom: bool = False
) -> StreamingHttpResponse:
    """A streamed CSV download: nothing holds the whole file (feed `rows` from a DB iterator)."""
    response = StreamingHttpResponse(
        csv_lines(header, rows, bom=bom), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
