from __future__ import annotations

import re
from collections import Counter
from datetime import date

import openpyxl
from generate_readback import (
    DATA_SHEETS,
    REQUIRED,
    cover,
    is_blank,
    is_note,
    read_csv,
    read_workbook,
)

DATE_PATTERNS = {
    "iso": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "slash": re.compile(r"^\d{4}/\d{2}/\d{2}$"),
    "dot": re.compile(r"^\d{4}\.\d{2}\.\d{2}$"),
    "chinese_day": re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$"),
    "chinese_month": re.compile(r"^\d{4}年\d{1,2}月$"),
}
NUMBER_PATTERNS = {
    "thousands": re.compile(r"^\d{1,3}(,\d{3})+$"),
    "fullwidth": re.compile(r"^[０-９]+$"),
    "percent": re.compile(r"^\d+(\.\d+)?%$"),
    "wan": re.compile(r"^\d+(\.\d+)?万$"),
    "wan_yuan": re.compile(r"^\d+(\.\d+)?万元$"),
    "wan_unit": re.compile(r"^\d+(\.\d+)?万(户|人次)$"),
    "glued_unit": re.compile(r"^\d+(天|人|人次|次|户|件|个)$"),
}


def _loaded_workbooks(sample_dir, manifest):
    return {
        f["path"]: read_workbook(sample_dir / f["path"])
        for f in manifest["files"]
        if f["kind"] == "report_workbook" and f["status"] in ("loaded", "superseded")
    }


def test_every_mess_kind_appears_in_sample(sample_dir, manifest):
    books = _loaded_workbooks(sample_dir, manifest)
    seen: Counter[str] = Counter()
    for path, sheets in books.items():
        wb = openpyxl.load_workbook(sample_dir / path, read_only=False)
        for name in DATA_SHEETS:
            sheet = sheets[name]
            if wb[name].merged_cells.ranges:
                seen["merged_title"] += 1
            if sheet.header_index >= 1:
                seen["title_row"] += 1
            if sheet.header_index >= 2:
                seen["several_title_rows"] += 1
            raw_header = [str(c) for c in sheet.rows[sheet.header_index] if c not in (None, "")]
            if any(h != h.strip() for h in raw_header):
                seen["header_stray_space"] += 1
            if any("\n" in h.strip() for h in raw_header):
                seen["header_line_break"] += 1
            body = sheet.rows[sheet.header_index + 1 :]
            records = [r for r in body if not is_blank(r) and not is_note(r)]
            if not records:
                seen["header_only_sheet"] += 1
            last_data = max(
                (i for i, r in enumerate(body) if not is_blank(r) and not is_note(r)), default=-1
            )
            if any(is_blank(r) for r in body[:last_data]):
                seen["blank_row_inside_data"] += 1
            for r in body:
                if is_note(r):
                    first = str(r[0])
                    seen[
                        "note_" + next(p for p in ("填报说明", "说明", "注") if first.startswith(p))
                    ] += 1
            for row in records:
                for value in row:
                    if isinstance(value, date):
                        seen["excel_date"] += 1
                    if isinstance(value, str):
                        for kind, pattern in {**DATE_PATTERNS, **NUMBER_PATTERNS}.items():
                            if pattern.match(value.strip()):
                                seen[kind] += 1
                code = (
                    row[
                        sheet.header.index(
                            "行政区划代码" if "行政区划代码" in sheet.header else "地区代码"
                        )
                    ]
                    if ("行政区划代码" in sheet.header or "地区代码" in sheet.header)
                    else None
                )
                if isinstance(code, float):
                    seen["code_as_number"] += 1
                elif isinstance(code, str) and code != code.strip():
                    seen["code_padded"] += 1
                elif isinstance(code, str):
                    seen["code_as_text"] += 1
        extra = set(sheets) - set(DATA_SHEETS) - {"封面"}
        if extra:
            seen["extra_sheet"] += 1
        if "年度" in str(cover(sheets)["年度"]):
            seen["cover_year_with_suffix"] += 1
    wanted = {
        "merged_title",
        "title_row",
        "several_title_rows",
        "header_stray_space",
        "header_line_break",
        "header_only_sheet",
        "blank_row_inside_data",
        "note_注",
        "note_说明",
        "note_填报说明",
        "excel_date",
        *DATE_PATTERNS,
        *NUMBER_PATTERNS,
        "code_as_number",
        "code_padded",
        "code_as_text",
        "extra_sheet",
        "cover_year_with_suffix",
    }
    assert wanted - set(seen) == set()


def test_values_take_every_allowed_form(sample_dir, manifest):
    books = _loaded_workbooks(sample_dir, manifest)
    approval, statuses, short_names = set(), set(), 0
    blank_value_unfulfilled = 0
    for sheets in books.values():
        for _, rec in sheets["评议结果"].records():
            v = rec["好评率"]
            approval.add(
                "percent_text"
                if isinstance(v, str) and v.endswith("%")
                else "share"
                if float(v) < 1
                else "percent_number"
            )
        for _, rec in sheets["承诺完成情况"].records():
            statuses.add(rec["完成状态"])
            if rec["完成值"] in (None, "") and rec["完成状态"] in ("未完成", "没有完成"):
                blank_value_unfulfilled += 1
        for _, rec in sheets["述职对象"].records():
            short_names += not str(rec["地区名称"]).endswith(("市", "州", "县", "区", "乡", "镇"))
    assert approval == {"percent_text", "share", "percent_number"}
    assert statuses == {"已完成", "完成", "全部完成", "基本完成", "部分完成", "未完成", "没有完成"}
    assert blank_value_unfulfilled >= 1
    assert short_names >= 1


def test_v1_targets_carry_their_unit_and_v2_targets_have_a_unit_column(sample_dir, manifest):
    books = _loaded_workbooks(sample_dir, manifest)
    for path, sheets in books.items():
        header = sheets["承诺事项"].header
        if "序号" in header:
            assert "目标" in header and "单位" not in header and "承诺编号" not in header
            for _, rec in sheets["承诺事项"].records():
                target = rec["目标"]
                assert target in (None, "") or (
                    isinstance(target, str) and not target.strip().isdigit()
                ), path
        else:
            assert {"承诺编号", "目标值", "单位"} <= set(header)
    assert REQUIRED  # the readback knows the headers of both versions


def test_csv_encodings_are_utf8_bom_utf8_and_gb18030(sample_dir, manifest):
    found = {}
    for f in manifest["files"]:
        if f["kind"] != "inspection_export":
            continue
        data = (sample_dir / f["path"]).read_bytes()
        encoding, _, rows = read_csv(sample_dir / f["path"])
        assert encoding == f["encoding"], f["path"]
        if encoding == "gb18030":
            assert data.decode("gb18030").startswith("发现编号")
        found[encoding] = found.get(encoding, 0) + 1
        assert rows or f["status"] == "quarantined"
    assert set(found) == {"utf-8-sig", "utf-8", "gb18030"}


def test_export_names_use_both_date_spellings(manifest):
    names = [
        f["path"].split("/")[-1] for f in manifest["files"] if f["kind"] == "inspection_export"
    ]
    assert any(re.match(r"findings_\d{4}-\d{2}-\d{2}", n) for n in names)
    assert any(re.match(r"findings_\d{8}", n) for n in names)
