"""Ingest DBs for the incremental-build tests: the fixture of raw_fixtures.py, split into
what a first (published) build saw and what arrives after it.

The base holds the fixture without 吉林 2017 and without the last inspection export, loaded
by one published run. Each scenario adds files loaded by a new, unpublished run:

* ``new_year``: 吉林 2017 and 黑龙江 2017 (a partition the marts have never had);
* ``late_batch``: later batches re-reporting 2015 for both provinces with changed values
  (a secretary, a score, a target, outcomes and rectifications of 2014) and no problems at
  all, so fct_problem's 2015 partition becomes empty;
* ``findings_only``: the last inspection export (a finding's state changes, a new one);
* ``late_export``: an export dated between the two published ones, loaded late: it takes
  rank 2, and the published export after it moves to rank 3 (as ingestion re-ranks), so
  every finding must be re-sequenced.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from raw_fixtures import (
    HL,
    HL_NAME,
    JL,
    JL_NAME,
    RUN_ID,
    SHEETS,
    Workbook,
    _insert,
    _source_file_row,
    build_ingest_db,
    commitment,
    evaluation,
    export_source_file_row,
    finding_rows,
    next_year_workbook,
    officials,
    outcome,
    rectification,
    sha,
)

from evalwh.store import insert_raw

NEW_RUN = "run-fixture-0002"
JL_2017 = "reports/2017/jilin_2017.xlsx"
EXPORT_3 = "inspections/findings_2017-01-15.csv"
HELD_BACK = (JL_2017, EXPORT_3)
LATE_EXPORT = "inspections/findings_2016-08-01.csv"
SCENARIOS = ("new_year", "late_batch", "findings_only", "late_export")
RAW_TABLES = (*SHEETS, "inspection_findings")
D = dt.date


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    # attached under an alias: a file named raw.duckdb would make `raw.x` ambiguous
    con.execute("attach ? as ingest", [str(path)])
    con.execute("use ingest")
    return con


def _forget(con, paths) -> None:
    lineage = (
        "select lineage_id from raw.lineage where source_file in (select unnest(?::varchar[]))"
    )
    for table in RAW_TABLES:
        con.execute(f"delete from raw_rows.{table} where lineage_id in ({lineage})", [list(paths)])
    con.execute(f"delete from raw.lineage where lineage_id in ({lineage})", [list(paths)])
    con.execute(
        "delete from audit.source_files where path in (select unnest(?::varchar[]))", [list(paths)]
    )


def _as_new_run(con, paths) -> None:
    """The files at ``paths`` were loaded by NEW_RUN, not published yet."""
    con.execute(
        "update raw.lineage set run_id = ? where source_file in (select unnest(?::varchar[]))",
        [NEW_RUN, list(paths)],
    )
    con.execute(
        "update audit.source_files set run_id = ? where path in (select unnest(?::varchar[]))",
        [NEW_RUN, list(paths)],
    )


def _add_2016_commitment(con) -> None:
    """A 2016 commitment of 220100, so that its secretary's tenure reaches into 2016."""
    insert_raw(
        con,
        "commitments",
        "select * replace ('JL2016-0003' as commitment_id, '220100' as region_code, "
        "'funding' as category_code, '承诺内容' as content, '保障经费' as metric_name, "
        "100.0 as target_value, '万元' as unit, date '2017-12-31' as due_date, 99 as row_number) "
        "from raw.commitments where commitment_id = 'JL2016-0001'",
    )


def base_ingest_db(path: Path) -> Path:
    """What the first, published build read."""
    build_ingest_db(path)
    with _open(path) as con:
        _forget(con, HELD_BACK)
        con.execute("update audit.load_runs set published = true where run_id = ?", [RUN_ID])
        _add_2016_commitment(con)
    return path


def late_batches() -> list[Workbook]:
    jl = Workbook("reports/2015/吉林2015_第三批.xlsx", JL, JL_NAME, 2015, 3, "v1")
    officials(
        jl,
        ("220100", "长春市", "city", JL, "张三", D(2015, 2, 1)),  # was 张伟 (2014-2016)
        ("220102", "南关区", "county", "220100", "王芳", D(2012, 6, 1)),
    )
    # 2015-220100-01 is dropped; the other's target changes
    commitment(jl, "2015-220102-01", "220102", "misconduct", "问责案件数", 10.0, "件")
    outcome(jl, "2014-220102-01", "fulfilled", 96.0, "%", region="220102")
    outcome(jl, "2014-220102-02", "fulfilled", 185.0, "天", region="220102")  # was partial
    # 2014-220102-03: no outcome any more -> not_reported
    rectification(jl, "JL-P-2014-01", "rectified", D(2015, 6, 30))
    rectification(jl, "JL-P-2014-02", "rectified", D(2015, 11, 30))  # was in_progress
    evaluation(jl, "220100", "good", 93.0, 0.96, 0)
    evaluation(jl, "220102", "average", 70.0, 0.75, 4)  # was good, 85
    # no problems in either batch: fct_problem's 2015 partition becomes empty

    hl = Workbook("reports/2015/黑龙江2015_第二批.xlsx", HL, HL_NAME, 2015, 2, "v1")
    officials(
        hl,
        ("230100", "哈尔滨市", "city", HL, "孙丽", D(2014, 5, 1)),
        ("230102", "道里区", "county", "230100", "周杰", D(2013, 1, 1)),
    )
    commitment(hl, "2015-230102-01", "230102", "leadership", "培训人数", 12.0, "人")
    commitment(hl, "2015-230102-02", "230102", "funding", None, None, None)
    evaluation(hl, "230100", "good", 89.0, 0.92, 1)
    evaluation(hl, "230102", "poor", 55.0, 0.60, 8)  # was average, 70
    return [jl, hl]


def scenario_ingest_db(path: Path, scenario: str) -> Path:
    """The base plus what scenario ``scenario`` loads in run NEW_RUN (unpublished)."""
    if scenario not in SCENARIOS:
        raise ValueError(scenario)
    build_ingest_db(path)
    hl17 = next_year_workbook()
    late = late_batches()
    with _open(path) as con:
        con.execute("update audit.load_runs set published = true where run_id = ?", [RUN_ID])
        con.execute(
            "insert into audit.load_runs (run_id, started_at, finished_at, status) "
            "values (?, timestamp '2018-02-01 08:00', timestamp '2018-02-01 08:05', "
            "'succeeded')",
            [NEW_RUN],
        )
        added = {"new_year": [JL_2017], "findings_only": [EXPORT_3]}.get(scenario, [])
        _forget(con, [p for p in HELD_BACK if p not in added])
        _as_new_run(con, added)
        _add_2016_commitment(con)
        new_workbooks = {"new_year": [hl17], "late_batch": late}.get(scenario, [])
        for wb in new_workbooks:
            for table in SHEETS:
                _insert(con, f"raw.{table}", wb.rows.get(table, []))
            _insert(con, "audit.source_files", [_source_file_row(wb)])
            # the batch it replaces is superseded, as ingestion settles batches
            con.execute(
                "update audit.source_files set status = 'superseded' where kind = "
                "'report_workbook' and province_code = ? and year = ? and batch < ? "
                "and status = 'loaded'",
                [wb.province_code, wb.year, wb.batch],
            )
        _as_new_run(con, [wb.path for wb in new_workbooks])
        if scenario == "late_export":
            _add_late_export(con)
        if scenario == "late_batch":
            # ingestion moves outcomes and rectifications whose commitment or problem the
            # current batch no longer has to the rejects (load.reconcile_links)
            con.execute(
                "delete from raw_rows.commitment_outcomes as r using raw.lineage as l "
                "where l.lineage_id = r.lineage_id and l.report_year = 2016 "
                "and r.commitment_id = '2015-220100-01'"
            )
            con.execute(
                "delete from raw_rows.rectifications where lineage_id in "
                "(select lineage_id from raw.lineage where report_year = 2016)"
            )
    return path


def _add_late_export(con) -> None:
    """LATE_EXPORT, dated 2016-08-01, loaded by NEW_RUN: F-2016-001 with a state between
    its first two. Ingestion ranks exports by date, so it takes rank 2 and the published
    2016-09-01 export moves to rank 3, which changes the export_order of F-2016-002's row
    there too, although no new export holds F-2016-002."""
    con.execute(
        "update raw.lineage set export_order = export_order + 1 "
        "where raw_table = 'inspection_findings' and export_order >= 2"
    )
    rows = []
    for row in finding_rows():
        if row["export_order"] == 1 and row["finding_id"] == "F-2016-001":
            rows.append(
                {
                    **row,
                    "status": "rectified",
                    "accountability_action": "admonishment",
                    "export_date": D(2016, 8, 1),
                    "export_order": 2,
                    "source_file": LATE_EXPORT,
                    "file_sha256": sha(LATE_EXPORT),
                    "run_id": NEW_RUN,
                }
            )
    _insert(con, "raw.inspection_findings", rows)
    _insert(con, "audit.source_files", [export_source_file_row(LATE_EXPORT, NEW_RUN)])
