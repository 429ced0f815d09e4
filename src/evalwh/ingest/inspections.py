"""Read one inspection-finding export (.csv) into canonical records and row rejects."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from evalwh.ingest import normalize as n
from evalwh.ingest.convert import arrow, export_columns, export_records, records_as_columns
from evalwh.ingest.errors import QuarantineError, Reject
from evalwh.ingest.grid import Header, find_header
from evalwh.ingest.vocabulary import inspection_columns

FILENAME_RE = re.compile(r"^findings_(?P<date>\d{4}-\d{2}-\d{2}|\d{8})(?P<rest>.*)\.csv$", re.I)
MAX_FIELD_CHARS = 1 << 20  # one cell over 1 MiB is not a finding, it is a broken file
# A national export is about 10 MB; a file over 64 MiB is refused (too_large) before it is
# read, which bounds the memory a hostile export can take (docs/reliability.md).
MAX_EXPORT_BYTES = 64 << 20
ENCODINGS = ("utf-8", "gb18030")


@dataclass
class ParsedExport:
    export_date: dt.date
    sort_key: tuple[dt.date, str]  # exports are ordered by date, then by the rest of the name
    encoding: str
    rows: pa.Table = field(default_factory=lambda: pa.table({}))  # the records, then row_number
    rejects: list[Reject] = field(default_factory=list)


def export_sort_key(filename: str) -> tuple[dt.date, str]:
    """(export date, rest of the name) from findings_<YYYY-MM-DD|YYYYMMDD>*.csv."""
    match = FILENAME_RE.match(filename)
    if not match:
        raise QuarantineError(
            "bad_filename", f"{filename!r} is not named findings_<YYYY-MM-DD or YYYYMMDD>*.csv"
        )
    try:
        return n.parse_date(match["date"]), match["rest"]
    except ValueError as exc:
        raise QuarantineError("bad_filename", f"{filename!r}: {exc}") from None


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) or GB18030, detected; anything else is quarantined."""
    if b"\x00" in data:
        raise QuarantineError("bad_encoding", "the file contains NUL bytes (binary, or UTF-16)")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise QuarantineError("bad_encoding", f"UTF-8 BOM but invalid UTF-8: {exc}") from None
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and (line := first_utf8_line(data)) is not None:
            raise QuarantineError(
                "bad_encoding",
                f"mixed encodings: line {line} is UTF-8 and other lines are not (UTF-8 rows "
                "pasted into a GB18030 export?); read as GB18030 they would load garbled",
            )
        return text, encoding
    raise QuarantineError("bad_encoding", "neither UTF-8 nor GB18030")


def first_utf8_line(data: bytes) -> int | None:
    """The number (from 1) of the first line that is valid UTF-8 holding a Chinese character,
    in a file that as a whole is not UTF-8: a UTF-8 row in a GB18030 export, which GB18030
    often decodes without an error into other characters (UTF-8 "张三" reads as "寮犱笁").

    A GB18030 line is valid UTF-8 only by accident, and then it reads as something else:
    1 in 7 common characters is two bytes UTF-8 also accepts, but as Cyrillic, Hebrew or
    Arabic ("一" reads as "һ", "专业" as "רҵ"), never as a Chinese character, which takes
    three bytes in UTF-8 and needs at least three GB18030 characters lined up just so. None
    of the 531,116 non-ASCII lines of the national GB18030 exports is valid UTF-8 at all."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _CHINESE.search(text):
            return number
    return None


_CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")  # CJK ideographs (and extension A)


def _grid(text: str, name: str) -> list[list[str]]:
    sample = text[:4096]
    delimiter = ","
    first_line = sample.splitlines()[0] if sample else ""
    if first_line.count(",") == 0 and first_line.count("\t") + first_line.count(";") > 0:
        delimiter = "\t" if first_line.count("\t") >= first_line.count(";") else ";"
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise QuarantineError("corrupt", f"{name}: unreadable CSV: {exc}") from None


def parse_export(
    path: Path,
    display_name: str | None = None,
    known_regions: frozenset[str] | None = None,
    row_by_row: bool = False,
) -> ParsedExport:
    """Every finding of one export, as canonical records (an Arrow table) plus rejects.

    With `known_regions` (the region codes of the loaded reports), a finding of any other
    region is rejected here as unknown_region; without it, regions are not checked.
    `row_by_row` converts with the reference loop (convert.export_records), for tests.
    """
    name = display_name or path.name
    export_date, rest = export_sort_key(path.name)
    size = path.stat().st_size
    if size > MAX_EXPORT_BYTES:
        raise QuarantineError(
            "too_large", f"{size:,} bytes; an export may have at most {MAX_EXPORT_BYTES:,}"
        )
    text, encoding = decode(path.read_bytes())
    grid = _grid(text, name)
    header: Header = find_header(grid[:1], inspection_columns(), name)
    parsed = ParsedExport(export_date, (export_date, rest), encoding)
    if row_by_row:
        records, parsed.rejects = export_records(grid, header, name, known_regions)
        columns = records_as_columns(records)
    else:
        columns, parsed.rejects = export_columns(grid, header, name, known_regions)
    if columns.get("row_number"):
        parsed.rows = arrow(columns)
    return parsed
