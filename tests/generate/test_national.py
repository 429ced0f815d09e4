from __future__ import annotations

import json
from collections import Counter

from generate_readback import DATA_SHEETS, NATIONAL_PROVINCES, NATIONAL_YEARS, cover, read_workbook

from evalwh.generate import generate
from evalwh.generate.regions import PROVINCE_NAMES, PROVINCES, national_tree


def test_national_writes_one_workbook_per_province_and_year(national_run):
    out, summary = national_run
    manifest = json.loads((out / "_expected.json").read_text(encoding="utf-8"))
    books = [f for f in manifest["files"] if f["kind"] == "report_workbook"]
    assert sorted((f["province_code"], f["year"]) for f in books) == sorted(
        (p, y) for p in NATIONAL_PROVINCES for y in NATIONAL_YEARS
    )
    assert {f["template_version"] for f in books} == {"v1", "v2"}
    assert all(f["status"] == "loaded" for f in manifest["files"])
    for f in books:
        info = cover(read_workbook(out / f["path"]))
        assert info["省份"] == PROVINCE_NAMES[f["province_code"]]
    assert summary["workbooks"] == len(books) and summary["csv_files"] >= 1
    assert summary["progress_calls"][-1] == (len(books), len(books))


def test_national_has_a_handful_of_bad_rows_and_counts_match(national_run):
    out, _ = national_run
    manifest = json.loads((out / "_expected.json").read_text(encoding="utf-8"))
    assert 1 <= len(manifest["rejected"]) <= 12
    assert manifest["quarantined"] == []
    rejects = Counter((r["file"], r["sheet"]) for r in manifest["rejected"])
    for g in manifest["good_rows"]:
        if g["sheet"] is None:
            continue
        sheets = read_workbook(out / g["file"])
        assert len(sheets[g["sheet"]].records()) == g["rows"] + rejects[(g["file"], g["sheet"])]
    assert {g["sheet"] for g in manifest["good_rows"]} == {*DATA_SHEETS, None}


def test_national_density_per_region_year(national_run):
    _out, summary = national_run
    regions = sum(summary["regions"].values())
    years = len(NATIONAL_YEARS)
    per_region_year = {sheet: n / (regions * years) for sheet, n in summary["rows"].items()}
    assert 6 <= per_region_year["承诺事项"] <= 10
    assert 3 <= per_region_year["问题清单"] <= 6
    assert per_region_year["评议结果"] == per_region_year["述职对象"] == 1


def test_workers_do_not_change_the_bytes(tmp_path):
    narrow = {"scale": "national", "seed": 3, "provinces": ["110000", "120000"], "years": (2016,)}
    generate(tmp_path / "one", workers=1, **narrow)
    generate(tmp_path / "two", workers=2, **narrow)
    one = (tmp_path / "one" / "_expected.json").read_bytes()
    assert one == (tmp_path / "two" / "_expected.json").read_bytes()
    assert b"sha256" in one


def test_national_region_tree_has_real_provinces_and_realistic_size():
    assert len(PROVINCES) == 31
    assert sum(n for *_, n in PROVINCES) in range(300, 360)
    tree = national_tree("220000", seed=2014)
    levels = Counter(r.level for r in tree.regions)
    assert levels["市"] == 9 and 30 <= levels["县"] <= 130 and levels["乡"] > 10 * levels["县"] // 2
    codes = [r.code for r in tree.regions]
    assert len(codes) == len(set(codes))
    assert next(r for r in tree.regions if r.code == "220100").name == "长春市"
