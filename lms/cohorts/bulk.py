"""Reading a CSV file of people for bulk enrolment: encoding, columns and rows.

No database here: ``read_people`` turns the bytes of an upload into rows of text, or raises
``InvalidInput`` with a message that says what is wrong with the file and how to fix it.
The format is documented in docs/bulk-enrolment.md.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

from lms.errors import InvalidInput

#: Our name for each column, and the header names that mean it (compared in lower case,
#: with spaces, dashes and underscores treated alike).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "display name"),
    "email": ("email", "email address", "e mail", "e mail address"),
    "username": ("username", "user name"),
    "organisation": ("organisation", "organization", "organisation name"),
    "service_number": ("service number", "staff number", "service no"),
}
REQUIRED_TEXT = "name, organisation, and email or username (or both)"

# Files that are not text: spreadsheets saved in their own format, PDFs, images, archives.
_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zipped file"),
    (b"\xd0\xcf\x11\xe0", "an older Excel workbook (.xls)"),
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
)
SAVE_AS_CSV = "In Excel, choose File, Save As, and pick “CSV UTF-8 (Comma delimited)”."
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class PeopleFile:
    """The rows of an upload as text, keyed by our column names, with the line each began on."""

    rows: list[dict[str, str]]
    columns: list[str]
    notes: list[str] = field(default_factory=list)


def _problem(message: str) -> InvalidInput:
    return InvalidInput(message, field_errors={"file": message})


def decode(data: bytes) -> tuple[str, list[str]]:
    """The file's text: UTF-8 (with or without a byte-order mark) or UTF-16 with one; else
    Windows-1252, with a note saying so. Binary files are refused."""
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise _problem(f"This looks like {kind}, not a CSV file. {SAVE_AS_CSV}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            raise _problem("We couldn't read this file as text. " + SAVE_AS_CSV) from None
    if b"\x00" in data:
        raise _problem(f"This doesn't look like a CSV file: it isn't plain text. {SAVE_AS_CSV}")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise _problem(
            f"We couldn't read the text in this file: it isn't UTF-8 or Windows text. {SAVE_AS_CSV}"
        ) from None
    return text, [
        "This file wasn't saved as UTF-8, so we read it as Windows text (cp1252). Please "
        "check below that names with accents look right. If they don't, save the file again "
        "as “CSV UTF-8” and upload that."
    ]


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", " ", header.strip().strip('"').lower()).strip()


def _delimiter(text: str) -> str:
    """Commas, unless the header line plainly uses semicolons or tabs (Excel in some places)."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _columns(header: list[str]) -> tuple[dict[int, str], list[str]]:
    """Which position holds which of our columns; headers we don't know are ignored."""
    aliases = {alias: name for name, names in COLUMNS.items() for alias in names}
    positions: dict[int, str] = {}
    ignored: list[str] = []
    for index, raw in enumerate(header):
        key = _key(raw)
        name = aliases.get(key)
        if name is None:
            if key:
                ignored.append(raw.strip()[:40])
            continue
        if name in positions.values():
            raise _problem(f"The column “{raw.strip()}” appears twice. Please keep one of them.")
        positions[index] = name
    return positions, ignored


def read_people(data: bytes, *, max_rows: int, max_bytes: int) -> PeopleFile:
    """Rows of people from a CSV upload; raises ``InvalidInput`` for a file we can't use."""
    if len(data) > max_bytes:
        raise _problem(
            f"This file is {_size(len(data))}; the most we can take at once is "
            f"{_size(max_bytes)}. Please split it into smaller files."
        )
    if not data.strip():
        raise _problem("This file is empty. Please choose the file with your list of people.")
    text, notes = decode(data)
    if _CONTROL.search(text):
        raise _problem(f"This doesn't look like a CSV file: it isn't plain text. {SAVE_AS_CSV}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise _problem("This file is empty. Please choose the file with your list of people.")
        positions, ignored = _columns(header)
        found = set(positions.values())
        if not {"name", "organisation"} <= found or not {"email", "username"} & found:
            shown = ", ".join(f"“{h.strip()[:40]}”" for h in header if h.strip()) or "none"
            raise _problem(
                f"The file needs columns called {REQUIRED_TEXT}, in a header row at the top. "
                f"The header row we found has: {shown}."
            )
        rows: list[dict[str, str]] = []
        total = 0
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            total += 1
            if total > max_rows:
                continue  # keep counting, to say how many there are
            row = {name: "" for name in COLUMNS}
            for index, name in positions.items():
                if index < len(cells):
                    row[name] = " ".join(cells[index].split())
            extra = [c for i, c in enumerate(cells) if i >= len(header) and c.strip()]
            row["line"] = str(reader.line_num)
            row["extra"] = "y" if extra else ""
            rows.append(row)
    except csv.Error as error:
        raise _problem(
            f"Line {reader.line_num} of the file can't be read as CSV ({error}). Please check "
            "it, for example for a quote mark that isn't closed."
        ) from None
    if total > max_rows:
        raise _problem(
            f"This file has {total:,} rows of people; the most we can take at once is "
            f"{max_rows:,}. Please split it into smaller files."
        )
    if not rows:
        raise _problem("The file has a header row but no people under it.")
    if ignored:
        notes.append(f"We ignored the column(s) {', '.join(ignored)}: we don't use them.")
    return PeopleFile(rows, sorted(found, key=list(COLUMNS).index), notes)


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    return f"{max(count // 1024, 1)} KB"
