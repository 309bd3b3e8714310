"""CSV and XLSX files of report tables, safe to open in a spreadsheet.

- CSV is written row by row as the rows arrive from the database (in chunks), so a
  response streams and memory stays flat however many rows there are.
- XLSX is written by XlsxWriter in ``constant_memory`` mode (each row goes to disk as it
  is written) into a temporary file, which is then sent and removed.
- Any text cell starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL
  gets a leading ``'`` so no spreadsheet runs it as a formula; NUL characters are then
  dropped (no spreadsheet or XML file can hold them).

Formats are documented for the people who import the files in docs/exports.md.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

from lms.errors import InvalidInput

#: What a spreadsheet may take as the start of a formula (or a DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")
#: Rows written to the CSV buffer before it is handed on.
CSV_BATCH = 200
#: Excel's limit, header row included.
XLSX_MAX_ROWS = 1_048_576
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralise(text: str) -> str:
    """``text`` as a cell no spreadsheet runs: control characters a spreadsheet would drop
    go first, then a leading ``'`` where what is left could start a formula."""
    if text.startswith(FORMULA_STARTS):
        return "'" + _XML_UNSAFE.sub("", text)
    text = _XML_UNSAFE.sub("", text)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text


def cell_text(value: Any) -> str:
    """A value as CSV text: dates ``YYYY-MM-DD``, times ``YYYY-MM-DD HH:MM`` (UTC), numbers
    with a dot for decimals, nothing for no value, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return neutralise(str(value))


def csv_chunks(columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV file in pieces: a byte-order mark and the header, then batches of rows."""
    buffer = io.StringIO()
    # every cell quoted: a cell holding a separator of another locale (``;``) stays one cell
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    buffer.write("\ufeff")
    writer.writerow([neutralise(c) for c in columns])
    for count, row in enumerate(rows, 1):
        writer.writerow([cell_text(v) for v in row])
        if count % CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(out: IO[str], columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> int:
    """Write the CSV file to ``out`` (a text file or stream); returns the number of rows."""
    counted = _Counter(rows)
    for piece in csv_chunks(columns, counted):
        out.write(piece)
    return counted.count


class _Counter:
    def __init__(self, rows: Iterable[Iterable[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Iterable[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def _sheet_name(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\']", " ", title).strip() or "Report"
    return cleaned[:31]


def write_xlsx(path: str, title: str, columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> int:
    """Write an XLSX workbook with one sheet to ``path``; returns the number of rows.

    Dates and times are real spreadsheet dates (shown as ``yyyy-mm-dd`` and
    ``yyyy-mm-dd hh:mm``), numbers are numbers, text is neutralised like the CSV's.
    """
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    count = 0
    try:
        sheet = workbook.add_worksheet(_sheet_name(title))
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for col, heading in enumerate(columns):
            sheet.write_string(0, col, _xml_safe(neutralise(heading)), bold)
        for count, row in enumerate(rows, 1):
            if count >= XLSX_MAX_ROWS:
                raise InvalidInput(
                    "That is more rows than a spreadsheet can hold. Please download it as CSV, "
                    "or choose a shorter date range."
                )
            for col, value in enumerate(row):
                _write_cell(sheet, count, col, value, day, moment)
    finally:
        workbook.close()
    return count


def _xml_safe(text: str) -> str:
    return _XML_UNSAFE.sub("", text)


def _write_cell(sheet: Any, row: int, col: int, value: Any, day: Any, moment: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "Yes" if value else "No")
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, moment)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), day)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value))
    else:
        sheet.write_string(row, col, _xml_safe(neutralise(str(value))))


def xlsx_file(title: str, columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> IO[bytes]:
    """The workbook as an open file, already removed from the disk (it goes when closed)."""
    handle, path = tempfile.mkstemp(prefix="lms-export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(path, title, columns, rows)
        opened = open(path, "rb")  # noqa: SIM115 - handed to the response, which closes it
    finally:
        os.unlink(path)
    return opened
