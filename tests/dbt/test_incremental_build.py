"""Incremental builds (var rebuild_years, evalwh.build_scope) give exactly the marts of a
full rebuild of the same data.

Each scenario starts from a published build of the base data (incremental_fixtures.py: only
marts and audit survive, as publish leaves the file), loads more files in an unpublished
run, builds incrementally with the rebuild_years build_scope computes, and compares every
mart table with a --full-refresh build of the same ingest DB (EXCEPT ALL both ways, row
counts). A rebuild_years that misses a reached partition leaves stale rows and fails here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import dbt_env, run_dbt
from incremental_fixtures import base_ingest_db, scenario_ingest_db
from tests.marts import not_null_by_contract, nullable_in_file, stored_out_of_year_order
from tests.once import once_per_run

from evalwh import build_scope
from evalwh.publish import copy_audit_into

NO_TESTS = ("--exclude", "resource_type:test", "resource_type:unit_test")


def dbt(root: Path, ingest_db: Path, warehouse_db: Path, *args: str):
    return run_dbt(dbt_env(ingest_db, warehouse_db), root / "target", root / "logs", *args)


@pytest.fixture(scope="session")
def published_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published file of a full build of the base data (one per run: xdist workers
    share it, tests/once.py)."""

    def build(root: Path) -> dict:
        ingest = base_ingest_db(root / "ingest" / "raw.duckdb")
        staging = root / "staging" / "evaluation.duckdb"
        staging.parent.mkdir(parents=True)
        dbt(root, ingest, staging, "build", "--full-refresh", *NO_TESTS)
        copy_audit_into(staging, ingest)  # what publish leaves: marts and audit
        published = root / "published" / "evaluation.duckdb"
        published.parent.mkdir(parents=True)
        shutil.copy(staging, published)
        return {}

    root, _ = once_per_run(tmp_path_factory, "incremental_base", build)
    return root / "published" / "evaluation.duckdb"


def mart_differences(built: Path, expected: Path) -> dict[str, tuple[int, int, int, int]]:
    """Per mart table that differs: (rows built, rows expected, built-only, expected-only)."""
    differences = {}
    with duckdb.connect() as con:
        con.execute("attach ? as built (read_only)", [str(built)])
        con.execute("attach ? as expected (read_only)", [str(expected)])

        def tables(db: str) -> set[str]:
            return {
                name
                for (name,) in con.execute(
                    "select table_name from duckdb_tables() "
                    "where database_name = ? and schema_name = 'marts'",
                    [db],
                ).fetchall()
            }

        assert tables("built") == tables("expected")
        assert len(tables("expected")) == 11
        for table in sorted(tables("expected")):
            b, e = f"built.marts.{table}", f"expected.marts.{table}"
            counts = con.execute(
                f"select (select count(*) from {b}), (select count(*) from {e}), "
                f"(select count(*) from (from {b} except all from {e})), "
                f"(select count(*) from (from {e} except all from {b}))"
            ).fetchone()
            if counts[0] != counts[1] or counts[2] or counts[3]:
                differences[table] = counts
    return differences


# scenario -> the rebuild_years build_scope must give (the reach, worked by hand)
EXPECTED_YEARS = {
    # report 2017 is new: 2016's commitments and problems get their outcome/rectification
    "new_year": [2016, 2017],
    # 2015 re-reported: 2014's outcomes and rectifications, 2015 itself, 2016's repeats and
    # year-over-year columns, 2017 (fulfilment_rate_change; official_key of later tenure
    # years), capped at the latest year loaded (2017: 黑龙江 2017's quarantined workbook)
    "late_batch": [2014, 2015, 2016, 2017],
    # the last export changes F-2016-001 (inspected 2016) and adds F-2017-001 (2017)
    "findings_only": [2016, 2017],
    # the late export holds F-2016-001, inspected in 2016
    "late_export": [2016],
}

# scenario -> the rebuild_findings_from build_scope must give: the lowest rank of a new
# export, None when no export is new
EXPECTED_FINDINGS_FROM = {
    "new_year": None,  # no new export (the pipeline skips the inspection models then)
    "late_batch": None,
    "findings_only": 3,
    # ranked 2, before the published export now ranked 3: F-2016-002's row there moved
    # to rank 3 and is re-sequenced although no new export holds F-2016-002
    "late_export": 2,
}


@pytest.mark.parametrize("scenario", list(EXPECTED_YEARS))
def test_incremental_build_equals_full_rebuild(scenario, published_base, tmp_path):
    ingest = scenario_ingest_db(tmp_path / "ingest" / "raw.duckdb", scenario)
    with duckdb.connect() as con:
        con.execute("attach ? as ingest (read_only)", [str(ingest)])
        con.execute("use ingest")
        years = build_scope.rebuild_years(con)
        findings_from = build_scope.rebuild_findings_from(con)
    assert years == EXPECTED_YEARS[scenario]
    assert findings_from == EXPECTED_FINDINGS_FROM[scenario]

    staging = tmp_path / "staging" / "evaluation.duckdb"
    staging.parent.mkdir()
    shutil.copy(published_base, staging)
    os.chmod(staging, 0o644)
    # the data tests run on the incremental result once (new_year); the rest only build
    excluded = ["resource_type:unit_test"]
    if scenario != "new_year":
        excluded.append("resource_type:test")
    incremental_root = tmp_path / "incremental"
    vars_json = build_scope.dbt_vars(years, findings_from)
    dbt(incremental_root, ingest, staging, "build", "--exclude", *excluded, "--vars", vars_json)
    # it was incremental: the marts deleted and inserted the named partitions only
    run = incremental_root / "target" / "run" / "evalwh" / "models"
    executed = (run / "marts" / "fct_problem.sql").read_text()
    assert f"identified_year in ({', '.join(map(str, years))})" in executed
    # and the finding-grained marts replaced the re-sequenced findings only (or every one)
    sequenced = (run / "intermediate" / "int_inspection_findings_sequenced.sql").read_text()
    replaced = (run / "marts" / "fct_inspection_finding.sql").read_text()
    if findings_from is None:
        assert "export_order >=" not in sequenced
        assert "delete from" in replaced and "where finding_id in" not in replaced
    else:
        assert f"rebuilt.export_order >= {findings_from}" in sequenced
        assert "where finding_id in" in replaced

    # the partitions were replaced in the tables as published: the contracts' NOT NULL kept
    manifest = json.loads((incremental_root / "target" / "manifest.json").read_text())
    required = not_null_by_contract(manifest)
    assert required and nullable_in_file(staging, required) == set()
    # and the rebuilt years of commitment_vs_outcome were appended in its stored order
    order = ("region_code", "category_code")
    table = "marts.commitment_vs_outcome"
    assert stored_out_of_year_order(staging, table, "made_year", order) == []

    full = tmp_path / "full" / "evaluation.duckdb"
    full.parent.mkdir()
    dbt(tmp_path / "full", ingest, full, "build", "--full-refresh", *NO_TESTS)
    assert mart_differences(staging, full) == {}
    # and the scenario did change what was published (else the comparison proves nothing)
    assert mart_differences(published_base, full) != {}


def test_rebuild_years_vars_json():
    assert json.loads(build_scope.dbt_vars([2025, 2024])) == {"rebuild_years": [2025, 2024]}
    assert json.loads(build_scope.dbt_vars(None)) == {"rebuild_years": None}
    assert json.loads(build_scope.dbt_vars([2025], 23)) == {
        "rebuild_years": [2025],
        "rebuild_findings_from": 23,
    }
