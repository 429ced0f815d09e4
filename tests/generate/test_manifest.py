from __future__ import annotations

import hashlib
from collections import Counter

from generate_readback import DATA_SHEETS, read_csv, read_workbook

ROW_REASONS = {
    "unknown_region",
    "unknown_category",
    "duplicate_id",
    "unknown_commitment",
    "bad_number",
    "bad_date",
    "out_of_range",
    "unknown_enum",
}
FILE_REASONS = {
    "not_a_zip",
    "corrupt",
    "missing_sheet",
    "missing_column",
    "bad_year",
    "bad_filename",
}


def test_manifest_lists_every_written_file_with_kind_and_sha256(sample_dir, manifest):
    on_disk = {p.relative_to(sample_dir).as_posix() for p in sample_dir.rglob("*") if p.is_file()}
    listed = {f["path"] for f in manifest["files"]}
    assert on_disk == listed | {"_expected.json"}
    for f in manifest["files"]:
        assert f["kind"] == (
            "report_workbook" if f["path"].startswith("reports/") else "inspection_export"
        )
        assert f["status"] in {"loaded", "superseded", "quarantined", "duplicate"}
        assert hashlib.sha256((sample_dir / f["path"]).read_bytes()).hexdigest() == f["sha256"]


def test_manifest_counts_match_written_rows(sample_dir, manifest):
    status = {f["path"]: f["status"] for f in manifest["files"]}
    good = {(g["file"], g["sheet"]): g["rows"] for g in manifest["good_rows"]}
    rejects = Counter((r["file"], r["sheet"]) for r in manifest["rejected"])
    assert {f for f, _ in good} == {p for p, s in status.items() if s in ("loaded", "superseded")}
    for path in {f for f, _ in good}:
        if path.endswith(".xlsx"):
            sheets = read_workbook(sample_dir / path)
            for name in DATA_SHEETS:
                rows = sheets[name].records()
                assert len(rows) == good[(path, name)] + rejects[(path, name)], (path, name)
                written = {r for r, _ in rows}
                for rej in manifest["rejected"]:
                    if rej["file"] == path and rej["sheet"] == name:
                        assert rej["row"] in written
        else:
            _, _, rows = read_csv(sample_dir / path)
            assert len(rows) == good[(path, None)] + rejects[(path, None)], path
            for rej in manifest["rejected"]:
                if rej["file"] == path:
                    assert 2 <= rej["row"] <= len(rows) + 1


def test_every_reason_keyword_is_expected_at_least_once(manifest):
    assert {r["reason"] for r in manifest["rejected"]} == ROW_REASONS
    assert {q["reason"] for q in manifest["quarantined"]} == FILE_REASONS
    csv_reasons = {r["reason"] for r in manifest["rejected"] if r["sheet"] is None}
    assert csv_reasons == {"unknown_enum", "bad_number"}
    per_reason = Counter(r["reason"] for r in manifest["rejected"])
    assert all(1 <= n <= 4 for n in per_reason.values()), per_reason


def test_superseded_and_duplicate_files_are_named(manifest):
    assert len(manifest["superseded"]) == 1 and len(manifest["duplicates"]) == 1
    sup = manifest["superseded"][0]
    files = {f["path"]: f for f in manifest["files"]}
    old, new = files[sup["file"]], files[sup["superseded_by"]]
    assert (old["province_code"], old["year"]) == (new["province_code"], new["year"])
    assert old["batch"] < new["batch"] and new["status"] == "loaded"
    dup = manifest["duplicates"][0]
    assert files[dup["file"]]["sha256"] == files[dup["duplicate_of"]]["sha256"]
    assert dup["duplicate_of"] < dup["file"]  # the original is met first in path order


def test_sample_totals_stay_small(manifest):
    assert sum(f["bytes"] for f in manifest["files"]) < 1_000_000
    t = manifest["totals"]
    assert t["files"] == len(manifest["files"]) and t["rejected_rows"] == len(manifest["rejected"])
