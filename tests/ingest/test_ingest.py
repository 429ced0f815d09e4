"""Ingestion end to end on workbooks and CSVs built in code: every mess, every bad input."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from evalwh.config import paths as make_paths
from evalwh.ingest.inspections import decode, first_utf8_line
from evalwh.ingest.load import ingest
from evalwh.store import RAW_TABLES, insert_raw
from tests.ingest.builders import (
    CITY,
    COUNTY,
    TOWNSHIP,
    cover,
    csv_text,
    finding,
    report_tables,
    write_csv,
    write_workbook,
)


@pytest.fixture
def landing(tmp_path):
    p = make_paths(tmp_path / "raw", tmp_path / "warehouse")
    p.reports_dir.mkdir(parents=True)
    p.inspections_dir.mkdir(parents=True)
    return p


def query(p, sql, params=None):
    with duckdb.connect(str(p.ingest_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def counts(p):
    return {t: query(p, f"select count(*) from raw.{t}")[0][0] for t in RAW_TABLES}


def rejects(p):
    return query(p, "select file, sheet, row_number, reason from audit.rejects order by all")


def test_v1_and_v2_workbooks_load_with_their_lineage(landing):
    write_workbook(landing.reports_dir / "吉林 2015.xlsx", cover(2015), report_tables(2015))
    write_workbook(landing.reports_dir / "jl-2016.xlsx", cover(2016), report_tables(2016))
    summary = ingest(landing)
    assert summary.files_loaded == 2
    assert summary.rows_rejected == 0
    assert counts(landing) == {
        "officials": 6,
        "commitments": 6,
        "commitment_outcomes": 4,
        "problems": 4,
        "rectifications": 2,
        "evaluations": 6,
        "inspection_findings": 0,
    }
    # v1 ids are built from 序号; v1 outcomes point at last year's ids
    assert query(
        landing,
        "select commitment_id, target_value, unit from raw.commitments where report_year = 2015 order by 1",
    ) == [
        (f"2015-{CITY}-01", 180.0, "天"),
        (f"2015-{CITY}-02", 95.0, "%"),
        (f"2015-{COUNTY}-01", None, None),
    ]
    assert query(
        landing,
        "select commitment_id from raw.commitment_outcomes where report_year = 2015 order by 1",
    ) == [
        (f"2014-{CITY}-01",),
        (f"2014-{CITY}-02",),
    ]
    # Excel row numbers: title row 1, header row 2, first data row 3, a blank row 4, then row 5
    assert query(
        landing,
        "select sheet, row_number, source_file, template_version from raw.evaluations where report_year = 2016 order by row_number",
    ) == [
        ("评议结果", 3, "reports/jl-2016.xlsx", "v2"),
        ("评议结果", 5, "reports/jl-2016.xlsx", "v2"),
        ("评议结果", 6, "reports/jl-2016.xlsx", "v2"),
    ]


def test_values_are_normalised_as_the_contract_says(landing):
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    ingest(landing)
    assert query(
        landing,
        "select commitment_id, target_value, unit from raw.commitments where commitment_id like '%-02'",
    ) == [(f"2016-{CITY}-02", 60_000_000.0, "元")]
    assert query(
        landing,
        "select outcome_value, outcome_unit, outcome_status from raw.commitment_outcomes order by 1",
    ) == [
        (96.0, "%", "fulfilled"),
        (1117.0, None, "partial"),
    ]
    assert query(
        landing,
        "select region_code, rating, score, approval_rate, critique_count from raw.evaluations order by 1",
    ) == [
        (CITY, "good", 92.5, 0.87, 3),
        (COUNTY, "fairly_good", 85.0, 0.8, 2),
        (TOWNSHIP, "average", 71.0, 0.66, 4),
    ]
    assert query(landing, "select region_code, source from raw.problems order by 1") == [
        (CITY, "superior"),
        (TOWNSHIP, "inspection"),  # the code arrived padded with spaces
    ]


def test_several_title_rows_and_no_notes_still_find_the_header(landing):
    write_workbook(
        landing.reports_dir / "a.xlsx", cover(2016), report_tables(2016), title_rows=3, notes=False
    )
    summary = ingest(landing)
    assert summary.files_loaded == 1 and summary.rows_rejected == 0
    assert query(landing, "select min(row_number) from raw.officials") == [(5,)]


def test_a_header_only_sheet_loads_no_rows_and_is_not_an_error(landing):
    tables = report_tables(2016)
    tables["整改情况"] = (tables["整改情况"][0], [])
    write_workbook(landing.reports_dir / "a.xlsx", cover(2016), tables)
    summary = ingest(landing)
    assert summary.files_quarantined == 0
    assert counts(landing)["rectifications"] == 0


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda path: path.write_bytes(b"this is not a workbook"), "not_a_zip"),
        (lambda path: _truncated(path), "corrupt"),
        (lambda path: _cut_short(path), "corrupt"),
        (lambda path: _without_sheet(path, "评议结果"), "missing_sheet"),
        (lambda path: _without_column(path, "承诺事项", "类别"), "missing_column"),
        (
            lambda path: write_workbook(path, cover(2016, 年度="二〇一六"), report_tables(2016)),
            "bad_year",
        ),
        (
            lambda path: write_workbook(path, cover(2016, 年度=1916), report_tables(2016)),
            "bad_year",
        ),
    ],
)
def test_a_bad_workbook_is_quarantined_and_the_run_goes_on(landing, make, code):
    write_workbook(landing.reports_dir / "good.xlsx", cover(2016), report_tables(2016))
    make(landing.reports_dir / "bad.xlsx")
    summary = ingest(landing)
    assert summary.files_loaded == 1
    assert summary.files_quarantined == 1
    (reason,) = [r for f, r in summary.quarantined if f == "reports/bad.xlsx"]
    assert reason.startswith(code + ":")
    assert query(landing, "select file, reason from audit.quarantine") == [
        ("reports/bad.xlsx", reason)
    ]
    assert query(
        landing, "select status from audit.source_files where path = 'reports/bad.xlsx'"
    ) == [("quarantined",)]
    assert (landing.quarantine_dir / summary.run_id / "reports" / "bad.xlsx").exists()
    assert counts(landing)["officials"] == 3  # the good file loaded in full


def test_missing_column_reason_names_the_sheet_and_column(landing):
    _without_column(landing.reports_dir / "bad.xlsx", "承诺事项", "类别")
    summary = ingest(landing)
    assert "承诺事项" in summary.quarantined[0][1] and "类别" in summary.quarantined[0][1]


def _truncated(path: Path) -> None:
    write_workbook(path, cover(2016), report_tables(2016))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + data[-200:])


def _cut_short(path: Path) -> None:
    """An upload that stopped halfway: a zip with no central directory."""
    write_workbook(path, cover(2016), report_tables(2016))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _without_sheet(path: Path, sheet: str) -> None:
    tables = report_tables(2016)
    del tables[sheet]
    write_workbook(path, cover(2016), tables)


def _without_column(path: Path, sheet: str, column: str) -> None:
    tables = report_tables(2016)
    headers, rows = tables[sheet]
    i = headers.index(column)
    tables[sheet] = ([h for h in headers if h != column], [r[:i] + r[i + 1 :] for r in rows])
    write_workbook(path, cover(2016), tables)


def test_bad_rows_are_rejected_with_file_sheet_row_and_reason_and_the_rest_loads(landing):
    tables = report_tables(2016)
    _, commitments = tables["承诺事项"]
    commitments.append(
        [f"2016-{CITY}-01", CITY, "联系服务群众", "重复", "驻村天数", "10", "天", "2017-12-31"]
    )  # dup id
    commitments.append(
        [f"2016-{CITY}-03", "220199", "联系服务群众", "x", "驻村天数", "10", "天", "2017-12-31"]
    )  # region
    commitments.append(
        [f"2016-{CITY}-04", CITY, "经济发展", "x", "GDP", "10", "%", "2017-12-31"]
    )  # category
    commitments.append(
        [f"2016-{CITY}-05", CITY, "联系服务群众", "x", "驻村天数", "约95", "天", "2017-12-31"]
    )  # number
    commitments.append(
        [f"2016-{CITY}-06", CITY, "联系服务群众", "x", "驻村天数", "95", "天", "明年底"]
    )  # date
    tables["评议结果"][1].append(
        [COUNTY, "好", 150, "90%", 1]
    )  # out of range (and second row for county)
    tables["评议结果"][1][2][1] = "优秀"  # unknown rating for the township
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), tables)
    summary = ingest(landing)
    got = [(sheet, row, reason.split(":")[0]) for _f, sheet, row, reason in rejects(landing)]
    # data rows: header at row 2, first data row 3, blank row 4, then rows 5, 6, ...
    assert sorted(got) == sorted(
        [
            ("承诺事项", 7, "duplicate_id"),
            ("承诺事项", 8, "unknown_region"),
            ("承诺事项", 9, "unknown_category"),
            ("承诺事项", 10, "bad_number"),
            ("承诺事项", 11, "bad_date"),
            ("评议结果", 6, "unknown_enum"),
            ("评议结果", 7, "out_of_range"),
        ]
    )
    assert summary.rows_rejected == 7
    assert summary.rejects_by_reason["bad_number"] == 1
    assert counts(landing)["commitments"] == 3
    raw = json.loads(
        query(landing, "select raw_values from audit.rejects where reason like 'bad_number%'")[0][0]
    )
    assert raw["目标值"] == "约95"
    assert query(landing, "select rows_loaded, rows_rejected from audit.load_runs") == [
        (summary.rows_loaded, 7)
    ]


def test_an_outcome_for_a_commitment_never_made_is_rejected(landing):
    write_workbook(landing.reports_dir / "2015.xlsx", cover(2015), report_tables(2015))
    tables = report_tables(2016)
    tables["承诺完成情况"][1].append([f"2015-{CITY}-09", "10", "已完成", "查无此承诺"])
    tables["整改情况"][1].append([f"P2015-{CITY}-77", "已整改", "x", "2016-01-01"])
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), tables)
    summary = ingest(landing)
    got = [(f, s, row, reason.split(":")[0]) for f, s, row, reason in rejects(landing)]
    assert sorted(got) == sorted(
        [
            ("reports/2016.xlsx", "整改情况", 5, "unknown_problem"),
            ("reports/2016.xlsx", "承诺完成情况", 6, "unknown_commitment"),
        ]
    )
    assert summary.rows_rejected == 2
    assert query(
        landing, "select count(*) from raw.commitment_outcomes where commitment_id like '%-09'"
    ) == [(0,)]


def test_an_outcome_waits_for_its_previous_year_and_is_checked_when_it_arrives(landing):
    tables = report_tables(2016)
    tables["承诺完成情况"][1].append([f"2015-{CITY}-09", "10", "已完成", "查无此承诺"])
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), tables)
    first = ingest(landing)
    assert first.rows_rejected == 0  # 2015 has not arrived: nothing to check against yet
    write_workbook(landing.reports_dir / "2015.xlsx", cover(2015), report_tables(2015))
    second = ingest(landing)
    assert second.rows_rejected == 1
    assert [r[3].split(":")[0] for r in rejects(landing)] == ["unknown_commitment"]


def _orphan_outcome(p, suffix: str) -> None:
    """Put an outcome for a commitment never made into raw (as a run killed before its link
    check would leave it): a copy of a 2016 outcome row with another commitment id."""
    with duckdb.connect(str(p.ingest_db)) as con:
        con.execute("delete from audit.rejects")
        insert_raw(
            con,
            "commitment_outcomes",
            "select * replace (? as commitment_id) "
            "from raw.commitment_outcomes where report_year = 2016 limit 1",
            [f"2015-{CITY}-{suffix}"],
        )


def test_a_run_killed_before_checking_links_is_checked_by_the_next_run(landing):
    """The link check covers the workbooks of this run and of runs that did not succeed."""
    write_workbook(landing.reports_dir / "2015.xlsx", cover(2015), report_tables(2015))
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    ingest(landing)
    _orphan_outcome(landing, "09")
    with duckdb.connect(str(landing.ingest_db)) as con:
        con.execute("update audit.load_runs set status = 'interrupted'")
    nothing_new = ingest(landing)
    assert nothing_new.files_loaded == 0
    assert [r[3].split(":")[0] for r in rejects(landing)] == ["unknown_commitment"]
    assert query(
        landing, "select count(*) from raw.commitment_outcomes where commitment_id like '%-09'"
    ) == [(0,)]


def test_a_run_that_loads_no_workbook_checks_no_links(landing):
    """A succeeded run's workbooks were checked when they loaded: later runs leave them be
    (checking the whole raw layer on every run cost 8 s at national scale)."""
    write_workbook(landing.reports_dir / "2015.xlsx", cover(2015), report_tables(2015))
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    ingest(landing)
    _orphan_outcome(landing, "99")
    ingest(landing)
    assert rejects(landing) == []
    assert query(
        landing, "select count(*) from raw.commitment_outcomes where commitment_id like '%-99'"
    ) == [(1,)]


def _table_fingerprint(p):
    out = {}
    for t in RAW_TABLES:
        out[t] = query(p, f"select * exclude (run_id) from raw.{t} order by all")
    for t in ("source_files", "quarantine", "rejects"):
        out[t] = query(p, f"select count(*) from audit.{t}")[0]
    return out


def test_loading_the_same_files_twice_changes_nothing(landing):
    write_workbook(landing.reports_dir / "2015.xlsx", cover(2015), report_tables(2015))
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    write_csv(
        landing.inspections_dir / "findings_2016-06-30.csv",
        [finding("F1"), finding("F2", 问责人数="很多")],
    )
    (landing.reports_dir / "broken.xlsx").write_bytes(b"nope")
    first = ingest(landing)
    before = _table_fingerprint(landing)
    second = ingest(landing)
    assert _table_fingerprint(landing) == before
    assert first.rows_loaded > 0 and first.rows_rejected == 1 and first.files_quarantined == 1
    assert second.nothing_new
    assert (
        second.files_loaded,
        second.rows_loaded,
        second.rows_rejected,
        second.files_quarantined,
    ) == (0, 0, 0, 0)
    assert query(landing, "select count(*) from audit.load_runs where status = 'succeeded'") == [
        (2,)
    ]


def test_a_byte_identical_copy_under_another_name_is_recorded_as_duplicate(landing):
    original = write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    shutil.copyfile(original, landing.reports_dir / "2016 (copy).xlsx")
    summary = ingest(landing)
    assert (summary.files_loaded, summary.files_duplicate) == (1, 1)
    # files are taken in name order, so the copy (" " sorts before ".") arrived first
    assert query(landing, "select path, status, year from audit.source_files order by path") == [
        ("reports/2016 (copy).xlsx", "loaded", 2016),
        ("reports/2016.xlsx", "duplicate", 2016),
    ]
    assert counts(landing)["officials"] == 3


@pytest.mark.parametrize("batch_two_first", [False, True])
def test_batch_two_supersedes_batch_one_whatever_the_arrival_order(landing, batch_two_first):
    one = (landing.reports_dir / "jl-2016-first.xlsx", cover(2016, batch=1), report_tables(2016))
    changed = report_tables(2016)
    changed["评议结果"][1][0][2] = 95  # the corrected score
    two = (landing.reports_dir / "jl-2016-corrected.xlsx", cover(2016, batch=2), changed)
    for step in (two, one) if batch_two_first else (one, two):
        write_workbook(*step)
        ingest(landing)
    assert query(landing, "select path, batch, status from audit.source_files order by batch") == [
        ("reports/jl-2016-first.xlsx", 1, "superseded"),
        ("reports/jl-2016-corrected.xlsx", 2, "loaded"),
    ]
    # raw keeps both batches (lineage); the current one is told by audit.source_files
    current = query(
        landing,
        "select e.score from raw.evaluations e join audit.source_files f on f.sha256 = e.file_sha256 "
        "where f.status = 'loaded' and e.region_code = ?",
        [CITY],
    )
    assert current == [(95.0,)]


def test_a_second_file_with_the_same_batch_number_is_quarantined_not_merged(landing):
    write_workbook(landing.reports_dir / "a.xlsx", cover(2016, batch=1), report_tables(2016))
    changed = report_tables(2016)
    changed["评议结果"][1][0][2] = 60
    write_workbook(landing.reports_dir / "b.xlsx", cover(2016, batch=1), changed)
    summary = ingest(landing)
    assert summary.files_loaded == 1 and summary.files_quarantined == 1
    assert summary.quarantined[0][1].startswith("batch_conflict:")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_inspection_csv_encoding_is_detected(landing, encoding):
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    write_csv(
        landing.inspections_dir / "findings_20160630.csv",
        [finding("F1", 问题描述="党员活动室挪作他用")],
        encoding=encoding,
    )
    summary = ingest(landing)
    assert summary.rows_rejected == 0
    assert query(
        landing,
        "select finding_id, description, severity, accountability_action from raw.inspection_findings",
    ) == [("F1", "党员活动室挪作他用", "serious", "interview")]


def _findings_and_rejects(p):
    findings = query(
        p,
        "select finding_id, region_code, status, export_order, source_file, row_number "
        "from raw.inspection_findings order by all",
    )
    return findings, sorted((f, r, reason.split(":")[0]) for f, _s, r, reason in rejects(p))


def test_findings_that_arrive_before_their_regions_report_load_when_it_arrives(landing, tmp_path):
    unknown = "110199"  # in no report
    export = [finding("F1"), finding("F2", region=unknown), finding("F3", region=TOWNSHIP)]
    write_csv(landing.inspections_dir / "findings_2016-06-30.csv", export)
    first = ingest(landing, kinds=("inspections",))  # the inspections DAG ran first
    assert first.rows_loaded == 0 and first.rows_rejected == 3
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    second = ingest(landing, kinds=("reports",))
    assert second.files_loaded == 2  # the workbook, and the export loaded again
    arrived_late = _findings_and_rejects(landing)

    together = make_paths(tmp_path / "together" / "raw", tmp_path / "together" / "warehouse")
    shutil.copytree(landing.raw_dir, together.raw_dir)
    ingest(together)  # the same files in one run: reports first
    assert arrived_late == _findings_and_rejects(together)
    assert [f[0] for f in arrived_late[0]] == ["F1", "F3"]
    assert arrived_late[1] == [("inspections/findings_2016-06-30.csv", 3, "unknown_region")]
    third = ingest(landing)  # F2's region is still in no report: nothing loads again
    assert (third.files_loaded, third.rows_loaded) == (0, 0)
    assert _findings_and_rejects(landing) == arrived_late


def test_exports_are_ordered_by_date_then_name_and_every_state_is_kept(landing):
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    write_csv(landing.inspections_dir / "findings_20161231_b.csv", [finding("F1", "未整改")])
    write_csv(
        landing.inspections_dir / "findings_2016-06-30.csv",
        [finding("F1", "整改中")],
        encoding="gb18030",
    )
    write_csv(landing.inspections_dir / "findings_2016-12-31.csv", [finding("F1", "已整改")])
    ingest(landing)
    assert query(
        landing,
        "select export_order, status, source_file from raw.inspection_findings order by export_order",
    ) == [
        (1, "in_progress", "inspections/findings_2016-06-30.csv"),
        (2, "rectified", "inspections/findings_2016-12-31.csv"),
        (
            3,
            "not_rectified",
            "inspections/findings_20161231_b.csv",
        ),  # a false rectification found later
    ]


def test_bad_inspection_files_are_quarantined_and_bad_rows_rejected(landing):
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    write_csv(landing.inspections_dir / "export_2016.csv", [finding("F1")])
    write_csv(
        landing.inspections_dir / "findings_2016-07-01.csv",
        [finding("F1")[:-1]],
        headers=_headers_without("问责人数"),
    )
    write_csv(
        landing.inspections_dir / "findings_2016-06-30.csv",
        [
            finding("F1"),
            finding("F2", 检查方式="明察"),
            finding("F3", 问责人数="两人"),
            finding("F4", region="220999"),
            finding("F1"),
        ],
    )
    summary = ingest(landing)
    assert sorted(code for _f, code in ((f, r.split(":")[0]) for f, r in summary.quarantined)) == [
        "bad_filename",
        "missing_column",
    ]
    got = [(f, s, row, reason.split(":")[0]) for f, s, row, reason in rejects(landing)]
    f = "inspections/findings_2016-06-30.csv"
    assert sorted(got) == [
        (f, None, 3, "unknown_enum"),
        (f, None, 4, "bad_number"),
        (f, None, 5, "unknown_region"),
        (f, None, 6, "duplicate_id"),
    ]
    assert query(landing, "select finding_id from raw.inspection_findings") == [("F1",)]


def _headers_without(column):
    from tests.ingest.builders import INSPECTION_HEADERS

    return [h for h in INSPECTION_HEADERS if h != column]


def test_a_report_file_that_is_not_xlsx_is_quarantined(landing):
    (landing.reports_dir / "2016.xls").write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    (landing.reports_dir / ".gitkeep").write_text("")
    summary = ingest(landing)
    assert summary.files_seen == 1
    assert summary.quarantined[0][1].startswith("not_xlsx:")


def test_a_zip_bomb_is_refused_before_it_is_inflated(landing):
    path = landing.reports_dir / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<a>" + b"0" * (50 << 20) + b"</a>")
    summary = ingest(landing)
    assert summary.quarantined[0][1].startswith("zip_bomb:")


def test_parsing_in_worker_processes_gives_the_same_warehouse(tmp_path):
    fingerprints = []
    for workers in (1, 2):
        p = make_paths(tmp_path / "raw", tmp_path / f"wh{workers}")
        if workers == 1:
            for year in (2015, 2016, 2017):
                write_workbook(p.reports_dir / f"{year}.xlsx", cover(year), report_tables(year))
        ingest(p, workers=workers)
        fingerprints.append(_table_fingerprint(p))
    assert fingerprints[0] == fingerprints[1]


def test_reloading_a_year_reads_its_workbooks_again_and_leaves_other_years_alone(landing):
    from evalwh.pipeline import reload_year

    write_workbook(landing.reports_dir / "2015.xlsx", cover(2015), report_tables(2015))
    write_workbook(landing.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    ingest(landing)
    before = _table_fingerprint(landing)
    reloaded = reload_year(landing, 2016)
    assert reloaded["unloaded"] == ["reports/2016.xlsx"]
    # 3 officials, 3 commitments, 2 outcomes, 2 problems, 1 rectification, 3 evaluations
    assert reloaded["rows_loaded"] == 14
    after = _table_fingerprint(landing)
    assert after == before  # same files, same rows: only the run ids differ
    runs = query(
        landing, "select run_id from raw.officials where report_year = ? group by 1", [2016]
    )
    assert runs == [(reloaded["run_id"],)]


def test_run_counts_say_how_many_files_this_run_loaded_and_superseded(landing):
    write_workbook(landing.reports_dir / "a.xlsx", cover(2016, batch=1), report_tables(2016))
    first = ingest(landing)
    write_workbook(landing.reports_dir / "b.xlsx", cover(2016, batch=2), report_tables(2016))
    second = ingest(landing)
    assert (first.files_loaded, first.files_superseded) == (1, 0)
    assert (second.files_loaded, second.files_superseded) == (1, 1)
    assert query(landing, "select files_loaded from audit.load_runs order by started_at") == [
        (1,),
        (1,),
    ]


def test_a_csv_with_nul_bytes_is_quarantined(landing):
    (landing.inspections_dir / "findings_2016-06-30.csv").write_bytes(
        "发现编号\x00,检查日期\n".encode()
    )
    summary = ingest(landing)
    assert summary.quarantined[0][1].startswith("bad_encoding:")


def test_a_utf8_row_in_a_gb18030_export_is_quarantined_even_when_it_decodes_as_gb18030(landing):
    gb = csv_text([finding("F1"), finding("F2")]).encode("gb18030")
    # A row whose UTF-8 bytes are also valid GB18030 ("张三" reads as "寮犱笁"), as many are
    pasted = finding("F3", 问题描述="张三", 整改期限="2016-08-31", 整改状态="")
    mixed = gb + csv_text([pasted], header=False).encode("utf-8")
    assert "寮犱笁" in mixed.decode("gb18030")  # no decoding error: it would load garbled
    (landing.inspections_dir / "findings_2016-06-30.csv").write_bytes(mixed)
    summary = ingest(landing)
    assert summary.files_loaded == 0
    assert summary.quarantined[0][1].startswith("bad_encoding: mixed encodings: line 4 is UTF-8")


def test_a_gb18030_export_is_not_taken_for_mixed_encodings():
    # "专业" in GB18030 is valid UTF-8 too (as Hebrew and Cyrillic), like 1 in 7 characters:
    # a short line of a multi-line description must not make the export "mixed"
    assert "专业".encode("gb18030").decode("utf-8") == "רҵ"
    descriptions = ["张三", "值班制度落实不到位", "党员活动室\n专业\n挪作他用", "组织生活不规范"]
    text = csv_text([finding(f"F{i}", 问题描述=d) for i, d in enumerate(descriptions)])
    assert decode(text.encode("gb18030")) == (text, "gb18030")
    assert first_utf8_line(text.encode("gb18030")) is None
    assert first_utf8_line(("x\n" + text).encode("utf-8")) == 2


def test_a_link_that_leads_out_of_the_landing_zone_is_quarantined_not_read(landing, tmp_path):
    outside = write_workbook(
        tmp_path / "elsewhere" / "secret.xlsx", cover(2016), report_tables(2016)
    )
    (landing.reports_dir / "innocent.xlsx").symlink_to(outside)
    summary = ingest(landing)
    assert summary.quarantined == [
        ("reports/innocent.xlsx", "outside_landing_zone: links outside raw/")
    ]
    assert counts(landing)["officials"] == 0
