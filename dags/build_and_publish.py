"""Build the marts with dbt, validate them with Great Expectations, publish atomically.

Triggered when either ingest DAG loaded something new (Assets `evalwh_raw_reports`,
`evalwh_raw_inspections`), and runnable by hand with these params:

| param | meaning |
|---|---|
| `mode` = `incremental` (default) | rebuild what changed, starting from the published file; skipped when no file was recorded since it |
| `mode` = `year`, `year` = 2016 | first reload that reporting year's workbooks from raw/ (its raw rows, rejects and file records are replaced), then build as incremental |
| `mode` = `full` | rebuild everything from an empty file (`dbt build --full-refresh`) |

Incremental: the year-partitioned marts rebuild only the reporting years touched by what loaded
since the published version (and the years those changes reach, e.g. the outcomes that year
N+1 reports for commitments made in N), and the gate validates only those partitions plus
every other table whole. It falls back to a full refresh when nothing is published yet or when
the dbt project or the expectations changed since the published build (`prepare` logs why).

Steps: `prepare` freezes a snapshot of the ingest DB and the staging file and plans the build;
`anything_to_build` skips the rest of an incremental run when no file was recorded since the
published version (the first of two runs triggered back to back built it all);
`dbt_build` runs one `dbt build` into the staging file (the log names every model and test; a
cleared task re-runs only what failed, with `dbt retry`); `audit_and_gate` copies the audit
trail in and runs the expectations (Data Docs in `warehouse/data_docs` show what failed, on
which rows); `publish` swaps the validated file into `warehouse/published/` atomically and
exports Parquet; `report` then writes the auditor's report of the latest year (HTML + xlsx)
into `warehouse/reports/<year>/` from the published file. If the gate fails, the run fails there
and the published file is not touched; if only `report` fails, the new version stays published.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from evalwh.airflow_support import (
    PUBLISHED_WAREHOUSE,
    RAW_INSPECTIONS,
    RAW_REPORTS,
    START_DATE,
    WAREHOUSE_POOL,
    default_args,
)
from evalwh.dbt_tasks import dbt_build_task


@dag(
    dag_id="build_and_publish",
    schedule=RAW_REPORTS | RAW_INSPECTIONS,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(retries=0),  # deterministic steps: retry by hand (clear the task)
    tags=["evalwh", "dbt", "publish"],
    doc_md=__doc__,
    params={
        "mode": Param(
            "incremental",
            enum=["incremental", "year", "full"],
            description="incremental: add what is new; year: rebuild one year; full: rebuild all",
        ),
        "year": Param(None, type=["null", "integer"], description="the year for mode=year"),
    },
)
def build_and_publish():
    @task(pool=WAREHOUSE_POOL)
    def prepare(params=None) -> dict:
        from evalwh.pipeline import prepare_build

        planned = prepare_build(mode=params["mode"], year=params.get("year"))
        print(f"build plan: {planned['why']}")
        return planned

    @task.short_circuit
    def anything_to_build(planned: dict) -> bool:
        """An incremental build with nothing recorded since the published version (two
        Asset events in a row trigger two runs; the first built both) skips the rest."""
        return not planned["nothing_new"]

    @task(pool=WAREHOUSE_POOL)
    def audit_and_gate(run_id=None) -> dict:
        from evalwh.pipeline import audit_and_gate as run_gate

        gate = run_gate(run_id=run_id)
        print(gate.summary() if hasattr(gate, "summary") else gate)
        if not gate.passed:
            raise RuntimeError(
                f"data-quality gate failed: {gate.checks_total - gate.checks_passed} of "
                f"{gate.checks_total} checks; see {gate.data_docs_index}"
            )
        return gate.to_dict()

    @task(pool=WAREHOUSE_POOL, outlets=[PUBLISHED_WAREHOUSE])
    def publish(gate: dict, run_id=None) -> dict:
        from evalwh.pipeline import publish as run_publish
        from evalwh.quality import GateResult

        version = run_publish(GateResult.from_dict(gate), run_id=run_id)
        return version.to_dict()

    @task
    def report() -> dict:
        """The auditor's report of the latest published year (warehouse/reports/<year>/).
        Reads the published file only: if it fails, the version just published stays."""
        from evalwh.pipeline import write_report

        written = write_report()
        print(f"report: {written['html']} ({written['html_bytes']:,} bytes), {written['xlsx']}")
        return written

    gate = audit_and_gate()
    anything_to_build(prepare()) >> dbt_build_task(pool=WAREHOUSE_POOL) >> gate
    publish(gate) >> report()


build_and_publish()
