"""The workbook's fast row writer (`evalwh.report.xlsx._RowWriter`) writes the very bytes
xlsxwriter writes through its per-cell API: the same rows written both ways, every part of the
two .xlsx files compared (but the creation time)."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from evalwh.report import build_report, xlsx

pytestmark = pytest.mark.xdist_group("report_sample")

TIMESTAMPED = "docProps/core.xml"

AWKWARD = [
    "北京市",
    '=HYPERLINK("http://x")',
    "+1",
    "-2",
    "@sum",
    "a & b < c > d",
    'say "hi"',
    "line\nbreak",
    " leading",
    "trailing ",
    "\ttab",
    "ctrl\x01char",
    "_x0041_ literal escape",
    "<r>rich?</r>",
    "non\ufffecharacter",
    "x" * 20_000,  # past xlsxwriter's quick length check
    "",
    "普通文本 with spaces inside",
]
NUMBERS = [0, -0.0, 1, -1, 0.1 + 0.2, 1e20, 123456789012345678, 2.5e-9, 85.25, -4.2, 7.0]
OTHERS = [None, True, False, dt.date(2025, 6, 30), dt.datetime(2025, 6, 30, 12, 5), Decimal("1.5")]


def _rows(count: int) -> list[list]:
    pool = AWKWARD + NUMBERS + OTHERS
    rows = []
    for i in range(count):
        # mostly plain rows (the fast path) with an awkward value now and then (the slow path)
        plain = [f"R{i:05d}", "某某县", None, i * 1.5, i, None if i % 7 else 0.25]
        if i % 13 == 0:
            plain[1] = pool[(i // 13) % len(pool)]
        if i % 17 == 0:
            plain[3] = pool[(i // 17 + 5) % len(pool)]
        rows.append(plain)
    return rows


def _write(path: Path, rows: list[list], fast: bool, monkeypatch) -> Path:
    monkeypatch.setattr(xlsx, "FAST_ROWS", fast)
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    formats = {
        "header": book.add_format({"bold": True}),
        "pct": book.add_format({"num_format": "0.0%"}),
        "score": book.add_format({"num_format": "0.0"}),
    }
    kinds = ["", "", "", "score", "", "pct"]
    for name in ("first", "second"):
        sheet = xlsx._Sheet(book, name, formats)
        assert (sheet.fast is not None) == fast
        sheet.header(["code", "name", "blank", "score", "count", "rate"])
        for row in rows:
            sheet.values(row, kinds)
        sheet.finish()
    book.close()
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != TIMESTAMPED}


def test_fast_rows_write_what_xlsxwriter_writes(tmp_path, monkeypatch):
    rows = _rows(xlsx.WIDTH_SAMPLE_ROWS + 900)
    fast = _parts(_write(tmp_path / "fast.xlsx", rows, True, monkeypatch))
    slow = _parts(_write(tmp_path / "slow.xlsx", rows, False, monkeypatch))
    assert fast.keys() == slow.keys()
    for name in slow:
        assert fast[name] == slow[name], name
    # and it reads back as the values written
    sheet = openpyxl.load_workbook(tmp_path / "fast.xlsx", read_only=True)["first"]
    back = list(sheet.iter_rows(values_only=True))
    assert back[1 + 1000][:2] == ("R01000", "某某县")
    assert back[1 + 1001][3] == pytest.approx(1501.5)


def test_the_report_workbook_is_the_same_either_way(published_db, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "WIDTH_SAMPLE_ROWS", 3)  # the sample is small: rows past 3 go fast
    built = {}
    for fast in (True, False):
        monkeypatch.setattr(xlsx, "FAST_ROWS", fast)
        result = build_report(
            published_db, out_dir=tmp_path / str(fast), top=5, font_cache_dir=None
        )
        built[fast] = _parts(result.xlsx_path)
    assert built[True] == built[False]
