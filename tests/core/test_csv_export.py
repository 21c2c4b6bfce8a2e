import csv
import io
from decimal import Decimal

import pytest

from core.csv_export import CHUNK_ROWS, csv_cell, csv_lines, csv_response


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-1", "@cmd", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_run_as_a_formula_is_written_as_text(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value, cell", [
    ("Ana", "Ana"), ("a=b", "a=b"), (None, ""), (True, "true"), (False, "false"),
    (Decimal("-12.50"), "-12.50"), (3, "3"),
])
def test_plain_values_and_numbers_are_written_as_they_are(value, cell):
    assert csv_cell(value) == cell


def test_lines_are_chunked_and_read_back_to_the_same_rows():
    rows = [[f"n{i}", Decimal("1.00")] for i in range(CHUNK_ROWS + 1)]

    pieces = list(csv_lines(["name", "amount"], rows))

    assert len(pieces) == 3  # header, one full chunk, the rest
    read = list(csv.reader(io.StringIO("".join(pieces))))
    assert read[0] == ["name", "amount"]
    assert read[-1] == [f"n{CHUNK_ROWS}", "1.00"]
    assert len(read) == CHUNK_ROWS + 2


def test_response_is_a_private_download_with_a_bom_when_asked():
    response = csv_response(header=["a"], rows=[["=x"]], filename="f.csv", bom=True)

    body = b"".join(response.streaming_content).decode("utf-8")
    assert body == "\ufeffa\r\n'=x\r\n"
    assert response["Content-Disposition"] == 'attachment; filename="f.csv"'
    assert response["Cache-Control"] == "private, no-store"
