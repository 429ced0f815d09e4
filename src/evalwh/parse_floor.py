"""The parse floor of `make bench` (issue #6): each landing-zone file read into memory with the
chosen reader and nothing else, the physical limit of ingestion on a machine. It imports only
what reading needs, so the floor's processes pay for nothing else."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from python_calamine import CalamineWorkbook


def rows_read(path: Path) -> int:
    """Read one file as the floor does and return its rows: a workbook's every sheet into Python
    lists (python-calamine, as the ingest reads it); an export decoded (UTF-8 with or without a
    BOM, else GB18030) and split by `csv.reader`."""
    if path.suffix == ".xlsx":
        book = CalamineWorkbook.from_path(str(path))
        return sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return sum(1 for _ in csv.reader(io.StringIO(text)))
