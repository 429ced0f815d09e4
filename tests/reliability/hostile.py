"""Hostile and broken input files, built in code (no binary fixtures)."""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import xlsxwriter

from tests.ingest.builders import INSPECTION_HEADERS, cover, finding, report_tables, write_workbook

SHEET_XML = {  # openpyxl (builders.write_workbook) writes the sheets in this order
    "述职对象": "xl/worksheets/sheet2.xml",
    "承诺事项": "xl/worksheets/sheet3.xml",
    "评议结果": "xl/worksheets/sheet7.xml",
}
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def good_workbook(path: Path, year: int = 2016) -> Path:
    return write_workbook(path, cover(year), report_tables(year))


def rewrite_member(
    source: Path, target: Path, member: str, chunks: Callable[[], Iterable[bytes]], level: int = 1
) -> Path:
    """Copy a workbook, streaming new content into one member (fast deflate: big is cheap)."""
    with (
        zipfile.ZipFile(source) as zin,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zout,
    ):
        [i.filename for i in zin.infolist()]
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info.filename, zin.read(info.filename))
        with zout.open(member, "w", force_zip64=True) as out:
            for chunk in chunks():
                out.write(chunk)
    return target


def million_rows(path: Path, honest_dimension: bool = True) -> Path:
    """评议结果 with 1,048,576 rows (Excel's maximum): a valid header, then tiny rows."""
    base = good_workbook(path.with_name(path.stem + "-base.xlsx"))
    header = "".join(
        f'<c r="{col}2" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip(
            "ABCDE", ["行政区划代码", "评议等次", "综合得分", "好评率", "点评问题数"], strict=True
        )
    ).encode()
    last = 1_048_576
    dimension = f"A1:E{last}" if honest_dimension else "A1:E9"

    def chunks():
        yield (
            (
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'
                f'<dimension ref="{dimension}"/><sheetData><row r="2">'
            ).encode()
            + header
            + b"</row>"
        )
        batch = []
        for r in range(3, last + 1):
            batch.append(
                b'<row r="%d"><c r="A%d"><v>220100</v></c><c r="C%d"><v>%d</v></c></row>'
                % (r, r, r, r % 100)
            )
            if len(batch) == 20_000:
                yield b"".join(batch)
                batch = []
        yield b"".join(batch) + b"</sheetData></worksheet>"

    rewrite_member(base, path, SHEET_XML["评议结果"], chunks)
    base.unlink()
    return path


LAUGHS_DTD = (
    '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10)
    )
    + "]>"
)


def billion_laughs(path: Path, member: str) -> Path:
    """An XML entity expansion (10^9 'lol') in a sheet or in sharedStrings."""
    base = good_workbook(path.with_name(path.stem + "-base.xlsx"))
    if member == "sharedStrings":
        body = (
            f'{LAUGHS_DTD}<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">'
            "<si><t>&lol9;</t></si></sst>"
        )
        target = "xl/sharedStrings.xml"
    else:
        with zipfile.ZipFile(base) as z:
            sheet = z.read(SHEET_XML["述职对象"]).decode()
        body = LAUGHS_DTD + sheet.replace("长春市", "&lol9;", 1)
        target = SHEET_XML["述职对象"]
    rewrite_member(base, path, target, lambda: [body.encode()])
    base.unlink()
    return path


def huge_shared_strings(path: Path, megabytes: int) -> Path:
    """A workbook whose sharedStrings part inflates to `megabytes` of distinct strings, at a
    modest compression ratio (so the ratio rule alone does not catch it)."""
    import os

    base = good_workbook(path.with_name(path.stem + "-base.xlsx"))

    def chunks():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">'.encode()
        left = megabytes << 20
        while left > 0:
            block = b"".join(
                b"<si><t>" + os.urandom(24).hex().encode() + b"</t></si>" for _ in range(20_000)
            )
            yield block
            left -= len(block)
        yield b"</sst>"

    rewrite_member(base, path, "xl/sharedStrings.xml", chunks)
    base.unlink()
    return path


def xlsxwriter_workbook(
    path: Path,
    year: int = 2016,
    formulas: dict[tuple[str, int, int], tuple[str, object]] | None = None,
    hidden: tuple[str, ...] = (),
    values: dict[tuple[str, int, int], object] | None = None,
) -> Path:
    """report_tables(year) written by xlsxwriter (header on row 1, data from row 2), with
    formula cells (formula, cached value as Excel would have stored it), cell overrides and
    hidden sheets."""
    tables = report_tables(year)
    formulas, values = formulas or {}, values or {}
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("封面")
    for r, (label, value) in enumerate(cover(year).items()):
        sheet.write(r, 0, label)
        sheet.write(r, 1, str(value))
    for name, (headers, rows) in tables.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, headers)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if (name, r, c) in formulas:
                    formula, cached = formulas[name, r, c]
                    sheet.write_formula(r, c, formula, None, cached)
                else:
                    value = values.get((name, r, c), value)
                    sheet.write(r, c, value if value is not None else "")
        if name in hidden:
            sheet.hide()
    book.close()
    return path


def csv_bytes(rows: list[list[str]], headers=INSPECTION_HEADERS, delimiter: str = ",") -> str:
    lines = [delimiter.join(headers)] + [delimiter.join(r) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def mixed_encoding_csv(path: Path) -> Path:
    """A GB18030 export with a UTF-8 row pasted in (two exports concatenated by hand)."""
    gb = csv_bytes([finding("F1"), finding("F2")]).encode("gb18030")
    utf8 = (
        "\r\n".join(",".join(r) for r in [finding("F3", 问题描述="党员活动室挪作他用")]) + "\r\n"
    ).encode()
    path.write_bytes(gb + utf8)
    return path


def long_line_csv(path: Path, megabytes: int = 100) -> Path:
    """A valid header, then one line of `megabytes` MB (no line break)."""
    with path.open("wb") as out:
        out.write(codecs.BOM_UTF8 + csv_bytes([]).encode())
        chunk = b"x" * (1 << 20)
        for _ in range(megabytes):
            out.write(chunk)
        out.write(b"\r\n")
    return path
