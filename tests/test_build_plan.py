"""Whole builds without Airflow (`pipeline.run_all`): when a build may be incremental, and that
an incremental build publishes exactly what a full rebuild of the same data publishes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from evalwh import config, pipeline
from evalwh.build_definition import build_definition, published_definition

from .marts import published_marts
from .once import once_per_run

LATE_YEARS = ("2017", "2018")  # the sample's last good reporting year is 2017


def _build(tmp: Path) -> dict:
    """The sample without its 2017 and 2018 workbooks, built and published; then those
    workbooks added and built incrementally; and, to compare, a full build of everything."""
    raw = tmp / "raw"
    shutil.copytree(config.PROJECT_DIR / "raw", raw)
    held = tmp / "held"
    held.mkdir()
    late = [p.name for p in (raw / "reports").iterdir() if any(y in p.name for y in LATE_YEARS)]
    for name in late:
        shutil.move(raw / "reports" / name, held / name)
    paths = config.paths(raw, tmp / "warehouse")
    first = pipeline.run_all(paths)
    first_plan = pipeline.read_build_plan(paths)
    for name in late:
        shutil.move(held / name, raw / "reports" / name)
    second = pipeline.run_all(paths)
    second_plan = pipeline.read_build_plan(paths)
    pipeline.run_all(config.paths(raw, tmp / "full"), mode="full")
    return {
        "first": [first.version, first_plan],
        "second": [second.version, second_plan],
        "definition": published_definition(paths),
    }


@pytest.fixture(scope="session")
def builds(tmp_path_factory):
    root, info = once_per_run(tmp_path_factory, "build_plan", _build)
    return {
        **info,
        "paths": config.paths(root / "raw", root / "warehouse"),
        "full_paths": config.paths(root / "raw", root / "full"),
    }


@pytest.fixture
def warehouse_copy(builds, tmp_path):
    """The incrementally built warehouse, copied: a test that prepares a build writes to it."""
    shutil.copytree(builds["paths"].warehouse_dir, tmp_path / "warehouse", symlinks=True)
    return config.paths(builds["paths"].raw_dir, tmp_path / "warehouse")


def test_the_first_build_is_a_full_refresh_and_records_its_definition(builds):
    version, plan = builds["first"]
    assert version == 1
    assert plan["full_refresh"] and plan["why"] == "nothing published yet"
    assert builds["definition"] == build_definition()


def test_the_next_year_builds_only_its_years(builds):
    version, plan = builds["second"]
    assert version == 2
    assert not plan["full_refresh"] and not plan["nothing_new"]
    assert 2017 in plan["rebuild_years"]
    assert min(plan["rebuild_years"]) >= 2016  # not the whole history (2014-2017)


def test_an_incremental_build_publishes_what_a_full_rebuild_publishes(builds):
    incremental = published_marts(builds["paths"].published_db)
    full = published_marts(builds["full_paths"].published_db)
    assert incremental.keys() == full.keys()
    for table, rows in full.items():
        assert incremental[table] == rows, table


def test_a_build_with_nothing_new_rebuilds_no_year_and_says_so(warehouse_copy):
    pipeline.prepare_build(warehouse_copy)
    plan = pipeline.read_build_plan(warehouse_copy)
    assert plan["rebuild_years"] == [] and plan["nothing_new"]
    pipeline.prepare_build(warehouse_copy, mode="full")  # a rebuild asked for is never skipped
    assert not pipeline.read_build_plan(warehouse_copy)["nothing_new"]


def test_a_changed_dbt_project_or_expectation_forces_a_full_refresh(
    warehouse_copy, monkeypatch, tmp_path
):
    expectations = tmp_path / "expectations"
    shutil.copytree(config.EXPECTATIONS_DIR, expectations)
    suite = expectations / "marts.fct_evaluation.json"
    spec = json.loads(suite.read_text())
    spec["description"] += " (edited)"
    suite.write_text(json.dumps(spec))
    monkeypatch.setattr(config, "EXPECTATIONS_DIR", expectations)
    planned = pipeline.prepare_build(warehouse_copy)
    assert planned["full_refresh"]
    assert "changed since the published build" in planned["why"]


def test_mode_full_is_always_a_full_refresh(warehouse_copy):
    planned = pipeline.prepare_build(warehouse_copy, mode="full")
    assert planned["full_refresh"] and planned["why"] == "mode=full"


def test_a_failed_dbt_build_names_what_failed_and_the_rerun_retries_only_that(warehouse_copy):
    """What a cleared `dbt_build` task does: the first attempt fails on a broken input, the
    second (same build, input repaired) runs `dbt retry`: the failed and skipped nodes."""
    paths = warehouse_copy
    pipeline.prepare_build(paths)
    snapshot = pipeline.snapshot_db(paths)
    intact = snapshot.with_name("intact.duckdb")
    shutil.copyfile(snapshot, intact)
    with duckdb.connect(str(snapshot)) as con:
        con.execute("alter table raw.evaluations rename to evaluations_gone")
    with pytest.raises(pipeline.DbtBuildError, match="stg_ingest__evaluations"):
        pipeline.dbt_build(paths)
    shutil.copyfile(intact, snapshot)
    retried = pipeline.dbt_build(paths)
    assert retried["command"] == "retry"
    assert retried["failed"] == []
    assert 0 < retried["nodes"] < 100  # not the whole project again
    assert pipeline.audit_and_gate(paths, run_id="retry").passed


def test_mode_year_reloads_that_year_and_rebuilds_only_the_years_it_reaches(warehouse_copy, builds):
    version = pipeline.run_all(warehouse_copy, mode="year", year=2016)
    plan = pipeline.read_build_plan(warehouse_copy)
    assert not plan["full_refresh"]
    assert 2016 in plan["rebuild_years"] and 2014 not in plan["rebuild_years"]
    assert version.version == 3
    # the same files loaded again: the same marts as a full build of them
    assert published_marts(warehouse_copy.published_db) == published_marts(
        builds["full_paths"].published_db
    )


def test_a_failed_ingest_runs_files_are_rebuilt_once_then_count_as_published(warehouse_copy):
    """A run that failed after committing some files: the next build rebuilds their years,
    and once that build is published the run counts as published, so the build after it
    rebuilds nothing (left unpublished, its years would be rebuilt by every build)."""
    paths = warehouse_copy
    with duckdb.connect(str(paths.ingest_db)) as con:
        (run_id,) = con.execute(
            "select run_id from audit.load_runs where files_loaded > 0 "
            "order by started_at desc limit 1"
        ).fetchone()
        con.execute(
            "update audit.load_runs set status = 'failed', published = false where run_id = ?",
            [run_id],
        )
    pipeline.run_all(paths)
    assert pipeline.read_build_plan(paths)["rebuild_years"]  # the failed run's years
    with duckdb.connect(str(paths.ingest_db), read_only=True) as con:
        assert con.execute(
            "select published from audit.load_runs where run_id = ?", [run_id]
        ).fetchone() == (True,)
    pipeline.prepare_build(paths)
    assert pipeline.read_build_plan(paths)["rebuild_years"] == []
