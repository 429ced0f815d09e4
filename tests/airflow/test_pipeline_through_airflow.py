"""The real DAGs, run by Airflow (`airflow dags test`) against a real SQLite metadata DB, on the
generated sample; then the published DuckDB file is queried the way an analyst would."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import duckdb
import openpyxl
import pytest
from tests.marts import published_marts

from evalwh import config
from evalwh.orchestrate import metadata_rows, standalone_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("airflow")]

PROJECT = config.PROJECT_DIR
PYTHON_BIN = Path(sys.executable).parent


def _env(tmp: Path, raw: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp / "airflow_home"),
        "EVALWH_RAW_DIR": str(raw),
        "EVALWH_WAREHOUSE_DIR": str(tmp / "warehouse"),
        "EVALWH_LOCK_WAIT_SECONDS": "60",
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PATH": f"{PYTHON_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return env


def _orchestrate(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "evalwh.orchestrate", *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _airflow(env: dict[str, str], *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """`airflow <args>` in the project, output captured."""
    return subprocess.run(
        [str(PYTHON_BIN / "airflow"), *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _dag_test(env: dict[str, str], dag_id: str) -> subprocess.CompletedProcess:
    return _airflow(env, "dags", "test", dag_id)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dag_run_states(env: dict[str, str], dag_id: str) -> list[str]:
    out = subprocess.run(
        [str(PYTHON_BIN / "airflow"), "dags", "list-runs", dag_id, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # the JSON list is the last line that parses as one (log lines come before it)
    for line in reversed(out.strip().splitlines()):
        if line.startswith("["):
            try:
                return [run["state"] for run in json.loads(line)]
            except json.JSONDecodeError:
                continue
    raise AssertionError(f"no JSON in `airflow dags list-runs` output: {out[-2000:]}")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One full `make run` equivalent on a copy of the shipped sample."""
    tmp = tmp_path_factory.mktemp("e2e")
    raw = tmp / "raw"
    shutil.copytree(PROJECT / "raw", raw)
    env = _env(tmp, raw)
    result = _orchestrate(env, "run")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-8000:]
    paths = config.paths(raw, tmp / "warehouse")  # the warehouse `make run` wrote (env above)
    return SimpleNamespace(tmp=tmp, raw=raw, env=env, paths=paths, stdout=result.stdout)


def test_make_run_publishes_a_queryable_warehouse_and_prints_a_summary(published):
    run = published
    db = run.paths.published_db
    assert db.exists()
    assert "published: version 1" in run.stdout
    assert "data-quality checks passed" in run.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        schemas = {
            s
            for (s,) in con.execute(
                "select distinct schema_name from duckdb_schemas() where database_name = 'evaluation'"
            ).fetchall()
        }
        assert {"marts", "audit"} <= schemas
        assert not {"staging", "intermediate"} & schemas
        commitments = con.execute("select count(*) from marts.fct_commitment").fetchone()[0]
        assert commitments > 0
        rates = con.execute(
            "select min(fulfilment_rate), max(fulfilment_rate) from marts.commitment_vs_outcome"
        ).fetchone()
        assert 0 <= rates[0] <= rates[1] <= 1
        assert con.execute("select count(*) from audit.published_versions").fetchone()[0] == 1


def test_the_run_writes_the_auditors_report_of_the_latest_year(published):
    """The `report` task after `publish`: HTML + xlsx of the latest published year."""
    run = published
    db = run.paths.published_db
    with duckdb.connect(str(db), read_only=True) as con:
        year = con.execute("select max(year) from marts.dim_year").fetchone()[0]
    html = run.paths.report_dir(year) / f"report-{year}-zh.html"
    assert html.is_file() and html.with_suffix(".xlsx").is_file()
    text = html.read_text("utf-8")
    assert "@font-face" in text and text.count('class="chart"') == 7
    assert "退步最大的地区" in text
    book = openpyxl.load_workbook(html.with_suffix(".xlsx"), read_only=True)
    assert "溯源" in book.sheetnames
    assert str(html) in run.stdout  # the run summary says where it is


def test_make_run_imports_the_gate_while_dbt_builds(published):
    # every task runs in make run's one `airflow dags test` process, so the dbt task imports
    # Great Expectations for the gate while dbt's subprocess builds (pipeline.while_dbt_builds)
    assert "while dbt built, this process ran import_for_the_gate" in published.stdout


def test_every_dag_run_succeeded(published):
    run = published
    for dag_id in ("ingest_reports", "ingest_inspections", "build_and_publish"):
        assert _dag_run_states(run.env, dag_id) == ["success"], dag_id


def test_ingest_counts_match_what_the_generator_planted(published):
    run = published
    expected = json.loads((run.raw / "_expected.json").read_text("utf-8"))
    ingest_db = run.paths.ingest_db
    with duckdb.connect(str(ingest_db), read_only=True) as con:
        quarantined = sorted(
            (f, r.split(":")[0])
            for f, r in con.execute("select file, reason from audit.quarantine").fetchall()
        )
        rejects = sorted(
            (f, s, n, r.split(":")[0])
            for f, s, n, r in con.execute(
                "select file, sheet, row_number, reason from audit.rejects"
            ).fetchall()
        )
    assert quarantined == sorted((q["file"], q["reason"]) for q in expected["quarantined"])
    assert rejects == sorted(
        (r["file"], r["sheet"], r["row"], r["reason"]) for r in expected["rejected"]
    )


def test_a_run_with_nothing_new_is_green_and_triggers_nothing(published):
    run = published
    db = run.paths.published_db
    before = _sha(db)
    result = _dag_test(run.env, "ingest_reports")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "anything_new" in result.stdout + result.stderr
    states = _dag_run_states(run.env, "ingest_reports")
    assert states.count("success") == 2
    assert _sha(db) == before


def test_a_build_with_nothing_new_skips_and_publishes_nothing(published):
    run = published
    db = run.paths.published_db
    before = _sha(db)
    result = _dag_test(run.env, "build_and_publish")
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "nothing new since the published version" in output
    assert "Marking task as SKIPPED" in output or "skipped" in output.lower()
    assert _sha(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from audit.published_versions").fetchone()[0] == 1


def _resubmit_without_most_regions(raw: Path) -> Path:
    """A province re-sends its latest report (batch 2) with most regions missing: it loads
    (every row is valid) but the marts would lose far more rows than the gate allows."""
    expected = json.loads((raw / "_expected.json").read_text("utf-8"))
    loaded = [
        f for f in expected["files"] if f["kind"] == "report_workbook" and f["status"] == "loaded"
    ]
    latest = max(loaded, key=lambda f: (f["year"], f["batch"]))
    source = raw / latest["path"]
    book = openpyxl.load_workbook(source)
    cover = book["封面"]
    for row in cover.iter_rows():
        if row[0].value == "报送批次":
            row[1].value = int(str(row[1].value)) + 5
    for name in book.sheetnames:
        if name == "封面":
            continue
        sheet = book[name]
        if sheet.max_row > 8:
            sheet.delete_rows(6, sheet.max_row - 6)
    target = raw / "reports" / "resubmission_with_regions_missing.xlsx"
    book.save(target)
    return target


def test_a_failing_gate_leaves_the_published_file_byte_for_byte_unchanged(published):
    run = published
    db = run.paths.published_db
    before = _sha(db)
    _resubmit_without_most_regions(run.raw)
    assert _dag_test(run.env, "ingest_reports").returncode == 0
    _dag_test(run.env, "build_and_publish")
    assert _dag_run_states(run.env, "build_and_publish").count("failed") == 1
    assert _sha(db) == before
    with duckdb.connect(str(run.paths.ingest_db), read_only=True) as con:
        failures = con.execute(
            "select message from audit.load_runs where status = 'failed'"
        ).fetchall()
        versions = con.execute("select count(*) from audit.published_versions").fetchone()[0]
    assert versions == 1
    assert any("gate" in m for (m,) in failures), failures
    docs = list(run.paths.data_docs_dir.rglob("*.html"))
    assert docs, "Data Docs were not written"


def _analyst(run, name: str):
    """Run one of queries/*.sql against the published file, as an analyst would (read-only)."""
    sql = (PROJECT / "queries" / f"{name}.sql").read_text("utf-8")
    db = run.paths.published_db
    with duckdb.connect(str(db), read_only=True) as con:
        relation = con.sql(sql)
        columns = relation.columns
        return [dict(zip(columns, r, strict=True)) for r in relation.fetchall()]


def _scalar(run, sql: str):
    db = run.paths.published_db
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_example_query_fulfilment_rate_by_province_and_year(published):
    rows = _analyst(published, "fulfilment_rate_by_province_and_year")
    assert rows
    for row in rows:
        assert row["fulfilment_rate"] == round(row["fulfilled"] / row["commitments"], 4)
    settled = _scalar(
        published, "select count(*) from marts.fct_commitment where outcome_status is not null"
    )
    assert sum(r["commitments"] for r in rows) == settled[0][0]


def test_example_query_commitments_not_reported(published):
    rows = _analyst(published, "commitments_not_reported")
    expected = _scalar(
        published, "select count(*) from marts.fct_commitment where outcome_status = 'not_reported'"
    )
    assert sum(r["not_reported"] for r in rows) == expected[0][0] > 0


def test_example_query_repeat_problems(published):
    rows = _analyst(published, "repeat_problems")
    assert rows
    previous = {
        (region, year, category)
        for region, year, category in _scalar(
            published, "select region_code, identified_year, category_code from marts.fct_problem"
        )
    }
    categories = dict(
        _scalar(published, "select category_name_zh, category_code from marts.dim_category")
    )
    for row in rows:
        assert (
            row["region_code"],
            row["identified_year"] - 1,
            categories[row["category_name_zh"]],
        ) in previous


def test_example_query_ratings_fell_two_years_running(published):
    rows = _analyst(published, "ratings_fell_two_years_running")
    assert rows
    scores = {
        (r, y): s
        for r, y, s in _scalar(
            published, "select region_code, year, score from marts.fct_evaluation"
        )
    }
    for row in rows:
        region, year = row["region_code"], row["year"]
        assert scores[(region, year)] < scores[(region, year - 1)] < scores[(region, year - 2)]
    spans = _scalar(
        published, "select region_code, valid_from_year, valid_to_year from marts.dim_official"
    )

    def one_secretary(region, year):  # the same secretary reported in year - 1 and year
        return any(
            r == region and start <= year - 1 and (end is None or end >= year)
            for r, start, end in spans
        )

    independent = sum(
        1
        for (region, year), score in scores.items()
        if (region, year - 1) in scores
        and (region, year - 2) in scores
        and score < scores[(region, year - 1)] < scores[(region, year - 2)]
        and one_secretary(region, year)
    )
    assert len({(r["region_code"], r["year"]) for r in rows}) == independent


def test_example_query_findings_with_accountability(published):
    rows = _analyst(published, "findings_with_accountability")
    expected = _scalar(
        published,
        "select count(*) from marts.fct_inspection_finding where accountability_action <> 'none'",
    )
    assert len(rows) == expected[0][0] > 0
    assert all(r["accountability_action"] != "none" for r in rows)


# ------------------------------------------------------------------ under a real scheduler
def _runs(home: Path) -> list[tuple[str, str, str]]:
    """(dag_id, run_type, state) of every DAG run."""
    return metadata_rows(home, "select dag_id, run_type, state from dag_run order by start_date")


def _done(runs: list[tuple[str, str, str]], dag_id: str) -> bool:
    """The DAG has run, and none of its runs is queued or running."""
    states = [state for d, _type, state in runs if d == dag_id]
    return bool(states) and not {"queued", "running"} & set(states)


class _Standalone:
    """`airflow standalone` in its own session (its scheduler, API server, ... die with it)."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log_path = env, log
        self.home = Path(env["AIRFLOW_HOME"])
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [str(PYTHON_BIN / "airflow"), "standalone"],
            env=env,
            cwd=PROJECT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, what: str, condition, timeout: float = 300, steady: float = 0) -> None:
        """Until `condition(runs)` has held for `steady` seconds (steady: no Asset-triggered
        run is still to come)."""
        deadline, since = time.monotonic() + timeout, None
        while time.monotonic() < deadline and self.proc.poll() is None:
            if not condition(_runs(self.home)):
                since = None
            elif since is None:
                since = time.monotonic()
            if since is not None and time.monotonic() - since >= steady:
                return
            time.sleep(3)
        raise AssertionError(f"waiting for {what}: {_runs(self.home)}\n{self.tail()}")

    def unpause(self, *dag_ids: str) -> None:
        for dag_id in dag_ids:
            done = _airflow(self.env, "dags", "unpause", dag_id, timeout=120)
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]

    def tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-6000:]

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def test_a_real_scheduler_runs_the_dags_on_their_schedules_and_assets(published, tmp_path):
    """`airflow standalone` (scheduler, DAG processor, API server, LocalExecutor task
    processes, the task SDK's execution API) on a fresh deployment: the DAGs start paused,
    and the exports' DAG is unpaused first, so its run loads every export before any report
    (the order that once left every finding rejected). Then the reports' DAG: its Asset
    triggers build_and_publish, which must publish what `make run` (reports first, one DAG
    after the other) publishes from the same files."""
    raw = tmp_path / "raw"
    shutil.copytree(PROJECT / "raw", raw)
    env = _env(tmp_path, raw)
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AIRFLOW_HOME", "EVALWH_RAW_DIR", "EVALWH_WAREHOUSE_DIR"):
            mp.setenv(name, env[name])
        env = {**env, **standalone_env(paused_at_creation=True)}
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True)
    airflow = _Standalone(env, tmp_path / "standalone.log")
    try:
        dags = {"ingest_reports", "ingest_inspections", "build_and_publish"}
        airflow.wait(
            "the DAGs to be parsed",
            lambda _runs: (
                {d for (d,) in metadata_rows(airflow.home, "select dag_id from dag")} >= dags
            ),
        )
        airflow.unpause("ingest_inspections")
        airflow.wait("the exports' DAG run", lambda runs: _done(runs, "ingest_inspections"))
        airflow.unpause("build_and_publish", "ingest_reports")
        airflow.wait(
            "the reports' DAG run and the builds it triggers",
            lambda runs: all(_done(runs, d) for d in dags),
            steady=20,
        )
        runs = _runs(airflow.home)
    finally:
        airflow.stop()
    assert {state for _d, _t, state in runs} == {"success"}, runs
    # the exports loaded first (an hourly ingest_inspections may run again before the reports
    # when the test spans the turn of an hour: it finds nothing new)
    order = [d for d, _t, _s in runs]
    assert order[0] == "ingest_inspections" and "ingest_reports" in order, runs
    builds = [run_type for dag_id, run_type, _s in runs if dag_id == "build_and_publish"]
    assert builds and set(builds) == {"asset_triggered"}, runs
    scheduled = published_marts(config.paths(raw, tmp_path / "warehouse").published_db)
    in_order = published_marts(published.paths.published_db)
    assert scheduled.keys() == in_order.keys()
    assert len(scheduled["fct_inspection_finding"]) > 0
    for table, rows in in_order.items():
        assert scheduled[table] == rows, table
