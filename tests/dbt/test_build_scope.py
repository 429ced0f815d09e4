"""evalwh.build_scope on a hand-built ingest DB: which years changed, and what they reach."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from raw_fixtures import RAW_SCHEMA, REPO_ROOT

from evalwh import build_scope
from evalwh.store import insert_raw

D = dt.date


@pytest.fixture
def ingest(tmp_path):
    con = duckdb.connect()
    con.execute("attach ? as ingest", [str(tmp_path / "raw.duckdb")])
    con.execute("use ingest")
    con.execute(RAW_SCHEMA.read_text(encoding="utf-8"))
    for run_id, status, published in (
        ("r1", "succeeded", True),
        ("r2", "succeeded", False),
        ("r3", "interrupted", False),
        ("r4", "failed", True),
    ):
        con.execute(
            "insert into audit.load_runs (run_id, started_at, status, published) "
            "values (?, timestamp '2026-01-01', ?, ?)",
            [run_id, status, published],
        )
    yield con
    con.close()


def source_file(con, path, kind, year, run_id, status="loaded"):
    con.execute(
        "insert into audit.source_files values (?, ?, ?, '220000', ?, 1, ?, ?)",
        [path, f"sha-{path}", kind, year, status, run_id],
    )


def finding(con, finding_id, inspected, path, run_id):
    insert_raw(
        con,
        "inspection_findings",
        "select ? as finding_id, ?::date as inspection_date, 'random_visit' as inspection_type, "
        "'220102' as region_code, 'funding' as category_code, 'minor' as severity, "
        "'in_progress' as status, 'none' as accountability_action, "
        "date '2026-01-01' as export_date, 1 as export_order, ? as source_file, "
        "? as file_sha256, 2 as row_number, ? as run_id",
        [finding_id, inspected, path, f"sha-{path}", run_id],
    )


def test_nothing_unpublished_rebuilds_nothing(ingest):
    for year in range(2014, 2026):
        source_file(ingest, f"reports/{year}.xlsx", "report_workbook", year, "r1")
    assert build_scope.rebuild_years(ingest) == []
    assert build_scope.rebuild_years_vars(ingest) == '{"rebuild_years": []}'


def test_new_last_year(ingest):
    for year in range(2014, 2025):
        source_file(ingest, f"reports/{year}.xlsx", "report_workbook", year, "r1")
    source_file(ingest, "reports/2025.xlsx", "report_workbook", 2025, "r2")
    assert build_scope.changed_report_years(ingest) == {2025}
    # outcomes and rectifications of 2024 arrive in 2025; nothing later exists
    assert build_scope.rebuild_years(ingest) == [2024, 2025]


def test_interrupted_run_and_unknown_run_count_quarantine_without_year_does_not(ingest):
    for year in range(2014, 2026):
        source_file(ingest, f"reports/{year}.xlsx", "report_workbook", year, "r1")
    source_file(ingest, "reports/2019b.xlsx", "report_workbook", 2019, "r3")  # interrupted
    source_file(ingest, "reports/2016b.xlsx", "report_workbook", 2016, "r9")  # no load_runs row
    source_file(ingest, "reports/bad.xlsx", "report_workbook", None, "r2", "quarantined")
    source_file(ingest, "reports/2015b.xlsx", "report_workbook", 2015, "r4")  # published
    assert build_scope.changed_report_years(ingest) == {2016, 2019}


def test_late_batch_of_a_middle_year_reaches_forward(ingest):
    for year in range(2014, 2026):
        source_file(ingest, f"reports/{year}.xlsx", "report_workbook", year, "r1")
    source_file(ingest, "reports/2020_第二批.xlsx", "report_workbook", 2020, "r2", "loaded")
    reached = build_scope.reached_partitions({2020}, set(), 2025)
    assert reached == {
        "fct_evaluation": [2020],
        # official_key: the roster of 2020 can split a tenure that runs on to 2025
        "fct_commitment": [2019, 2020, 2021, 2022, 2023, 2024, 2025],
        "commitment_vs_outcome": [2019, 2020],
        "fct_problem": [2019, 2020, 2021],
        "region_year_trend": [2020, 2021, 2022],
    }
    assert build_scope.rebuild_years(ingest) == list(range(2019, 2026))


def test_findings_reach_the_years_of_their_old_and_new_state(ingest):
    for year in range(2014, 2026):
        source_file(ingest, f"reports/{year}.xlsx", "report_workbook", year, "r1")
    source_file(ingest, "inspections/a.csv", "inspection_export", None, "r1")
    source_file(ingest, "inspections/b.csv", "inspection_export", None, "r2")
    # F1: inspected 2019 says the old export, 2020 the new one: both years change
    finding(ingest, "F1", D(2019, 12, 30), "inspections/a.csv", "r1")
    finding(ingest, "F1", D(2020, 1, 2), "inspections/b.csv", "r2")
    finding(ingest, "F2", D(2017, 5, 1), "inspections/a.csv", "r1")  # untouched
    finding(ingest, "F3", None, "inspections/b.csv", "r2")  # no date: counts in no year
    assert build_scope.changed_finding_years(ingest) == {2019, 2020}
    assert build_scope.rebuild_years(ingest) == [2019, 2020]


def test_years_are_capped_at_the_latest_year_and_also_changed_is_added(ingest):
    for year in range(2014, 2019):
        source_file(ingest, f"reports/{year}.xlsx", "report_workbook", year, "r1")
    source_file(ingest, "reports/2017b.xlsx", "report_workbook", 2017, "r2")
    assert build_scope.latest_year(ingest) == 2018
    assert build_scope.rebuild_years(ingest) == [2016, 2017, 2018]
    assert build_scope.rebuild_years(ingest, also_changed=[2014]) == list(range(2013, 2019))


def test_inspection_models_are_skippable_only_when_no_export_changed(ingest):
    source_file(ingest, "reports/2025.xlsx", "report_workbook", 2025, "r2")
    source_file(ingest, "inspections/a.csv", "inspection_export", None, "r1")
    assert not build_scope.exports_changed(ingest)
    assert build_scope.skippable_models(ingest) == list(build_scope.INSPECTION_MODELS)
    source_file(ingest, "inspections/b.csv", "inspection_export", None, "r3")  # interrupted
    assert build_scope.exports_changed(ingest)
    assert build_scope.skippable_models(ingest) == []
    for model in build_scope.INSPECTION_MODELS:
        assert list((REPO_ROOT / "dbt_project" / "models").rglob(f"{model}.sql")), model
