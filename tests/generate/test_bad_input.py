from __future__ import annotations

import zipfile

from generate_readback import EXPORT_NAME, cover, read_csv, read_workbook

REQUIRED_CSV = (
    "发现编号",
    "检查日期",
    "检查方式",
    "行政区划代码",
    "类别",
    "严重程度",
    "问题描述",
    "关联问题编号",
    "整改期限",
    "整改状态",
    "问责方式",
    "问责人数",
)


def _quarantined(manifest, reason):
    return [q["file"] for q in manifest["quarantined"] if q["reason"] == reason]


def test_quarantined_files_fail_the_way_the_manifest_says(sample_dir, manifest):
    for path in _quarantined(manifest, "not_a_zip"):
        assert not (sample_dir / path).read_bytes().startswith(b"PK")
    for path in _quarantined(manifest, "corrupt"):
        data = (sample_dir / path).read_bytes()
        assert data.startswith(b"PK\x03\x04")
        try:
            zipfile.ZipFile(sample_dir / path)
        except zipfile.BadZipFile:
            pass
        else:
            raise AssertionError(f"{path} opened as a zip")
    for path in _quarantined(manifest, "missing_sheet"):
        assert "评议结果" not in read_workbook(sample_dir / path)
    for path in _quarantined(manifest, "missing_column"):
        if path.endswith(".xlsx"):
            sheets = read_workbook(sample_dir / path)
            assert "类别" not in sheets["承诺事项"].rows[_header_row(sheets["承诺事项"].rows)]
        else:
            _, header, _ = read_csv(sample_dir / path)
            assert set(REQUIRED_CSV) - set(header) == {"严重程度"}
    years = {
        cover(read_workbook(sample_dir / p))["年度"] for p in _quarantined(manifest, "bad_year")
    }
    assert years == {"二〇一五", 1915.0}
    for path in _quarantined(manifest, "bad_filename"):
        assert not EXPORT_NAME.match(path.split("/")[-1])
        _, header, rows = read_csv(sample_dir / path)
        assert list(header) == list(REQUIRED_CSV) and rows


def _header_row(rows):
    return next(i for i, r in enumerate(rows) if "承诺内容" in [str(c).strip() for c in r])


def test_files_that_load_are_complete(sample_dir, manifest):
    for f in manifest["files"]:
        if f["status"] == "quarantined":
            continue
        if f["kind"] == "report_workbook":
            sheets = read_workbook(sample_dir / f["path"])
            info = cover(sheets)
            assert str(info["年度"]).startswith(str(f["year"]))
            assert (
                info["模板版本"] == f["template_version"] == ("v1" if f["year"] <= 2015 else "v2")
            )
            for name in (
                "述职对象",
                "承诺事项",
                "承诺完成情况",
                "问题清单",
                "整改情况",
                "评议结果",
            ):
                assert sheets[name].header_index is not None, (f["path"], name)
        else:
            assert EXPORT_NAME.match(f["path"].split("/")[-1])
            _, header, _ = read_csv(sample_dir / f["path"])
            assert list(header) == list(REQUIRED_CSV)


def test_rejected_rows_hold_the_defect_named_by_their_reason(sample_dir, manifest):
    cache: dict[str, dict] = {}
    categories = {
        "落实党建责任",
        "带头人队伍建设",
        "整顿软弱涣散基层党组织",
        "党的组织生活",
        "联系服务群众",
        "整治不作为乱作为",
        "基层基础保障",
    }
    for rej in manifest["rejected"]:
        if rej["sheet"] is None:
            _, header, rows = read_csv(sample_dir / rej["file"])
            rec = dict(zip(header, rows[rej["row"] - 2], strict=True))
            if rej["reason"] == "unknown_enum":
                assert rec["检查方式"] not in {"随机调研", "暗访", "巡察", "专项检查"}
            else:
                assert not rec["问责人数"].isdigit()
            continue
        sheets = cache.setdefault(rej["file"], read_workbook(sample_dir / rej["file"]))
        sheet = sheets[rej["sheet"]]
        rec = dict(sheet.records())[rej["row"]]
        reason = rej["reason"]
        if reason == "unknown_category":
            assert rec["类别"] not in categories
        elif reason == "unknown_enum":
            assert rec["评议等次"] not in {"好", "较好", "一般", "差"}
        elif reason == "out_of_range":
            assert not 0 <= float(rec["综合得分"]) <= 100
        elif reason == "bad_number":
            assert "约" in str(rec.get("目标值", rec.get("目标")))
        elif reason == "bad_date":
            assert str(rec.get("整改时限", rec.get("完成日期"))) in {
                "年底前",
                "2016-02-30",
                "下半年",
            }
