"""Deterministic raw-data generator: yearly report workbooks and inspection CSV exports, with
every kind of mess raw-formats.md allows and a known set of bad files and rows.

    generate(out_dir, scale="sample", seed=2014, workers=1, progress=None) -> summary dict

writes out_dir/reports/*.xlsx, out_dir/inspections/*.csv and out_dir/_expected.json. The same
seed and scale give byte-identical files.

Scales: "sample" (2 real provinces, 2014-2017, every mess and every bad input; ships in raw/)
and "national" (31 provinces, ~41k regions, 2014-2025, one workbook per province-year, a
handful of bad rows). `provinces=` and `years=` narrow a run (tests, benchmarks).

_expected.json (paths relative to out_dir):
    files        every file: path, kind (report_workbook | inspection_export), status
                 (loaded | superseded | quarantined | duplicate), sha256, bytes, and for
                 workbooks province_code/year/batch/template_version, for exports
                 export_date/encoding
    quarantined  [{file, reason}]
    rejected     [{file, sheet (null for CSV), row, reason}]; row is the 1-based Excel row, or
                 the CSV line number with the header on line 1
    superseded   [{file, superseded_by}]     duplicates [{file, duplicate_of}]
    good_rows    [{file, sheet (null for CSV), rows}] for every loaded or superseded file: the
                 rows a correct ingestion loads (data rows minus rejects; titles, blank rows,
                 notes and headers are not rows)
    totals       counts of the above

Reason keywords. Files (quarantine):
    not_a_zip        .xlsx whose bytes do not start with a zip signature (PK\\x03\\x04)
    corrupt          starts like a zip but cannot be opened/read (truncated)
    missing_sheet    a required data sheet is absent
    missing_column   a required column is absent from a sheet or from a CSV header
    bad_year         cover 年度 unreadable ("二〇一五") or implausible (1915)
    bad_filename     CSV name does not match findings_<YYYY-MM-DD|YYYYMMDD>*.csv
Rows (rejects):
    unknown_region      region code not in that workbook's 述职对象 sheet
    unknown_category    类别 not one of the seven categories
    duplicate_id        second occurrence of an id (承诺编号 / v1 序号 id / 问题编号) in a sheet
    unknown_commitment  an outcome for a commitment never made the year before
    bad_number          a non-blank numeric cell that does not parse ("约95", "两人")
    bad_date            a non-blank date cell that does not parse ("年底前", "2016-02-30")
    out_of_range        综合得分 outside 0-100
    unknown_enum        a value outside its fixed list (评议等次 "优秀", 检查方式 "电话抽查")
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from evalwh.generate.inspections import assemble, drop_column
from evalwh.generate.jobs import run_province
from evalwh.generate.manifest import MANIFEST_NAME, ManifestBuilder
from evalwh.generate.plan import SCALES, Plan, national_plan, sample_plan

__all__ = ["MANIFEST_NAME", "SCALES", "generate"]

REPORT_KIND, EXPORT_KIND = "report_workbook", "inspection_export"
NOT_A_ZIP_TEXT = "这不是Excel文件：报送系统导出失败，请重新下载。\r\nThis is not an Excel file.\r\n"


def _clean_previous(out_dir: Path) -> None:
    """Remove the files a previous generation listed in its manifest (and nothing else)."""
    manifest = out_dir / MANIFEST_NAME
    if not manifest.exists():
        return
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
        paths = [f["path"] for f in previous.get("files", [])]
    except (ValueError, KeyError, TypeError):
        return
    for rel in paths:
        (out_dir / rel).unlink(missing_ok=True)
    manifest.unlink()


def generate(
    out_dir: Path | str,
    scale: str = "sample",
    seed: int = 2014,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    *,
    provinces: list[str] | None = None,
    years: tuple[int, ...] | list[int] | None = None,
) -> dict:
    """Write the raw data of `scale` into out_dir; return a summary (files, rows, seconds)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {SCALES}")
    started = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean_previous(out_dir)
    (out_dir / "reports").mkdir(exist_ok=True)
    (out_dir / "inspections").mkdir(exist_ok=True)
    tmp_dir = out_dir / ".generate-tmp"
    shutil.rmtree(tmp_dir, ignore_errors=True)
    tmp_dir.mkdir()
    try:
        if scale == "sample":
            if provinces or years:
                raise ValueError("provinces/years only narrow the national scale")
            plan = sample_plan(seed, str(out_dir), str(tmp_dir))
        else:
            plan = national_plan(
                seed, str(out_dir), str(tmp_dir), provinces, tuple(years) if years else None
            )
        results = _run_jobs(plan, workers, progress)
        summary = _finish(plan, out_dir, tmp_dir, results)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


def _run_jobs(
    plan: Plan, workers: int, progress: Callable[[int, int], None] | None
) -> dict[str, dict]:
    total = sum(len(j.workbooks) for j in plan.jobs)
    done = 0
    results: dict[str, dict] = {}

    def record(result: dict) -> None:
        nonlocal done
        results[result["province"]] = result
        done += len(result["workbooks"])
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(0, total)
    if workers <= 1 or len(plan.jobs) == 1:
        for job in plan.jobs:
            record(run_province(job))
    else:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(min(workers, len(plan.jobs))) as pool:
            for result in pool.imap_unordered(run_province, plan.jobs):
                record(result)
    return results


def _finish(plan: Plan, out_dir: Path, tmp_dir: Path, results: dict[str, dict]) -> dict:
    m = ManifestBuilder(out_dir, plan.scale, plan.seed, plan.years, plan.provinces)
    rows_written: Counter[str] = Counter()
    books = [w for p in plan.provinces for w in results[p]["workbooks"]]
    by_name = {w.spec.filename: w for w in books}

    for w in books:
        spec = w.spec
        facts = {
            "province_code": spec.province,
            "year": spec.year,
            "batch": spec.batch,
            "template_version": w.template_version,
        }
        m.add_file(w.path, REPORT_KIND, spec.status, **facts)
        if spec.status == "quarantined":
            m.quarantine(w.path, spec.reason or "")
            continue
        rows_written.update(w.rows_written)
        for sheet, n in w.good_rows.items():
            m.good(w.path, sheet, n)
        for sheet, row, reason in w.rejects:
            m.reject(w.path, sheet, row, reason)
        if spec.status == "superseded":
            later = max(
                (
                    b
                    for b in books
                    if b.spec.province == spec.province
                    and b.spec.year == spec.year
                    and b.spec.status == "loaded"
                ),
                key=lambda b: b.spec.batch,
            )
            m.superseded.append({"file": w.path, "superseded_by": later.path})

    reports = out_dir / "reports"
    for copy, original in plan.duplicates:
        assert copy > original, "the duplicate must sort after its original"
        shutil.copyfile(reports / original, reports / copy)
        spec = by_name[original].spec
        m.add_file(
            f"reports/{copy}",
            REPORT_KIND,
            "duplicate",
            province_code=spec.province,
            year=spec.year,
            batch=spec.batch,
            template_version=by_name[original].template_version,
        )
        m.duplicates.append({"file": f"reports/{copy}", "duplicate_of": f"reports/{original}"})
    for name, source in plan.truncated:
        data = (reports / source).read_bytes()
        (reports / name).write_bytes(data[: len(data) * 3 // 5])
        m.add_file(f"reports/{name}", REPORT_KIND, "quarantined")
        m.quarantine(f"reports/{name}", "corrupt")
    for name in plan.not_a_zip:
        (reports / name).write_bytes(NOT_A_ZIP_TEXT.encode("utf-8"))
        m.add_file(f"reports/{name}", REPORT_KIND, "quarantined")
        m.quarantine(f"reports/{name}", "not_a_zip")

    chunks = {p: results[p]["chunks"] for p in plan.provinces}
    exports = assemble(out_dir, tmp_dir, plan.exports, plan.provinces, chunks)
    csv_rows = 0
    for rec in exports:
        export = rec["export"]
        m.add_file(
            rec["path"],
            EXPORT_KIND,
            "loaded",
            export_date=export.day.isoformat(),
            encoding=export.encoding,
        )
        m.good(rec["path"], None, rec["good"])
        for line, reason in rec["rejects"]:
            m.reject(rec["path"], None, line, reason)
        csv_rows += rec["rows"]
    inspections = out_dir / "inspections"
    for name, index, column in plan.csv_missing_column:
        source = exports[index]
        text = (out_dir / source["path"]).read_bytes().decode(source["export"].encoding)
        (inspections / name).write_bytes(drop_column(text, column).encode("utf-8-sig"))
        m.add_file(f"inspections/{name}", EXPORT_KIND, "quarantined", encoding="utf-8-sig")
        m.quarantine(f"inspections/{name}", "missing_column")
    for name, index in plan.csv_bad_name:
        source = exports[index]
        encoding = "gb18030" if source["export"].encoding != "gb18030" else "utf-8"
        text = (out_dir / source["path"]).read_bytes().decode(source["export"].encoding)
        lines = text.splitlines(keepends=True)
        (inspections / name).write_bytes("".join(lines[:-1]).encode(encoding))
        m.add_file(f"inspections/{name}", EXPORT_KIND, "quarantined", encoding=encoding)
        m.quarantine(f"inspections/{name}", "bad_filename")

    manifest = m.write()
    regions: Counter[str] = Counter()
    for p in plan.provinces:
        regions.update(results[p]["regions"])
    written_files = manifest["files"]
    return {
        "out_dir": str(out_dir),
        "scale": plan.scale,
        "seed": plan.seed,
        "files": len(written_files),
        "workbooks": sum(1 for f in written_files if f["kind"] == REPORT_KIND),
        "csv_files": sum(1 for f in written_files if f["kind"] == EXPORT_KIND),
        "bytes": sum(f["bytes"] for f in written_files),
        "rows": dict(sorted(rows_written.items())),
        "workbook_rows": sum(rows_written.values()),
        "csv_rows": csv_rows,
        "regions": {"city": regions["市"], "county": regions["县"], "township": regions["乡"]},
        "manifest": str(out_dir / MANIFEST_NAME),
        "totals": manifest["totals"],
    }
