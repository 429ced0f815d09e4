"""Read generated files back independently of the generator (python-calamine, csv, zipfile),
with just enough parsing to check the contract in raw-formats.md."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from python_calamine import CalamineWorkbook

# the narrowed national run the tests use (small provinces, one v1 and one v2 year)
NATIONAL_PROVINCES = ["110000", "120000"]
NATIONAL_YEARS = (2015, 2016)

DATA_SHEETS = ("述职对象", "承诺事项", "承诺完成情况", "问题清单", "整改情况", "评议结果")
REQUIRED = {  # headers present in both template versions (the v1/v2 spelling differs elsewhere)
    "述职对象": ("地区名称", "层级", "上级区划代码", "任职时间"),
    "承诺事项": ("类别", "承诺内容", "指标名称", "完成时限"),
    "承诺完成情况": ("完成值", "完成状态", "情况说明"),
    "问题清单": ("问题编号", "行政区划代码", "问题来源", "类别", "问题描述", "整改时限"),
    "整改情况": ("问题编号", "整改状态", "整改措施", "完成日期"),
    "评议结果": ("行政区划代码", "评议等次", "综合得分", "好评率", "点评问题数"),
}
NOTE_PREFIXES = ("注", "说明", "填报说明")
FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def norm_header(value: object) -> str:
    return re.sub(r"\s+", "", str(value))


def is_blank(row: list) -> bool:
    return all(c is None or (isinstance(c, str) and c.strip() == "") for c in row)


def is_note(row: list) -> bool:
    first = next((c for c in row if not (c is None or c == "")), "")
    return isinstance(first, str) and first.strip().startswith(NOTE_PREFIXES)


class Sheet:
    def __init__(self, name: str, rows: list[list]):
        self.name = name
        self.rows = rows
        required = REQUIRED.get(name, ())
        self.header_index = next(
            (
                i
                for i, r in enumerate(rows)
                if all(h in {norm_header(c) for c in r} for h in required)
            ),
            None,
        )
        self.header = (
            [norm_header(c) for c in rows[self.header_index]]
            if self.header_index is not None
            else []
        )

    def records(self) -> list[tuple[int, dict]]:
        """(1-based Excel row, {header: value}) for every data row: not blank, not a note."""
        out = []
        for i in range(self.header_index + 1, len(self.rows)):
            row = self.rows[i]
            if is_blank(row) or is_note(row):
                continue
            out.append((i + 1, dict(zip(self.header, row, strict=False))))
        return out


def read_workbook(path: Path) -> dict[str, Sheet]:
    wb = CalamineWorkbook.from_path(str(path))
    return {
        name: Sheet(name, wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
        for name in wb.sheet_names
    }


def cover(sheets: dict[str, Sheet]) -> dict[str, object]:
    return {str(r[0]).strip(): r[1] for r in sheets["封面"].rows if r and r[0] not in (None, "")}


def code(value: object) -> str:
    if isinstance(value, float):
        return str(int(value))
    return str(value).strip()


def integer(value: object) -> int:
    if isinstance(value, float):
        return int(value)
    return int(str(value).strip().translate(FULLWIDTH))


def commitment_ids(sheet: Sheet, year: int) -> dict[int, str]:
    """Excel row -> commitment id (v2 承诺编号, v1 built from 序号 and 地区代码)."""
    out = {}
    for row, rec in sheet.records():
        if "承诺编号" in rec:
            out[row] = str(rec["承诺编号"]).strip()
        else:
            out[row] = f"{year}-{code(rec['地区代码'])}-{integer(rec['序号']):02d}"
    return out


def outcome_ids(sheet: Sheet, year: int) -> dict[int, str]:
    out = {}
    for row, rec in sheet.records():
        if "承诺编号" in rec:
            out[row] = str(rec["承诺编号"]).strip()
        else:
            out[row] = f"{year - 1}-{code(rec['行政区划代码'])}-{integer(rec['上年承诺序号']):02d}"
    return out


def parse_score(value: object) -> float:
    return float(value) if isinstance(value, float | int) else float(str(value).strip())


def decode_csv(data: bytes) -> tuple[str, str]:
    """(encoding, text): utf-8-sig when a BOM is present, else utf-8, else gb18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", data.decode("utf-8-sig")
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030", data.decode("gb18030")


def read_csv(path: Path) -> tuple[str, list[str], list[list[str]]]:
    encoding, text = decode_csv(path.read_bytes())
    rows = list(csv.reader(io.StringIO(text)))
    return encoding, rows[0], rows[1:]


EXPORT_NAME = re.compile(r"^findings_(\d{4}-\d{2}-\d{2}|\d{8})(.*)\.csv$")


def export_date(name: str) -> date | None:
    m = EXPORT_NAME.match(name)
    if not m:
        return None
    digits = m.group(1).replace("-", "")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
