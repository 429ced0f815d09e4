"""The pipeline's steps as plain functions: what the Airflow tasks and the CLI call.

    ingest  -> raw layer + audit in the ingest DB          (holds the pipeline lock)
    prepare -> freeze a snapshot of the ingest DB for dbt, and a staging file to build into;
               plan the build: a full refresh, or only the reporting years that changed
    dbt     -> one `dbt build` into the staging file (one Airflow task: evalwh.dbt_tasks)
    audit   -> copy the audit tables into the staging file, drop what must not be published
    gate    -> Great Expectations validation of the staging file (Data Docs on failure), and
               meanwhile the marts' Parquet export that publish moves into place
    publish -> atomic swap of the staging file into published/, Parquet files, version row

DuckDB allows one writer per file. The ingest DB is written only under the pipeline lock;
dbt reads a snapshot of it (copied under the lock), so ingestion may go on while a build
runs, and the staging file belongs to the one build that may run at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import duckdb

from evalwh import config
from evalwh.build_definition import build_definition, published_definition, record_definition
from evalwh.config import Paths
from evalwh.locking import pipeline_lock

log = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = float(os.environ.get("EVALWH_LOCK_WAIT_SECONDS", "1800"))
BUILD_MODES = ("incremental", "year", "full")
# incremental: rebuild the marts from the raw layer, starting from the published file
# year:        reload one reporting year's workbooks from raw/ first, then as incremental
# full:        rebuild from an empty file (dbt --full-refresh)


def run_lock_file(paths: Paths) -> Path:
    return paths.warehouse_dir / ".run.lock"


def run_lock(paths: Paths, timeout: float | None = None):
    """One whole pipeline run (ingest -> build -> gate -> publish) at a time.

    The steps of a build share one staging file, so two builds must not interleave. Airflow
    ensures it with max_active_runs=1; `run_all` and `make run` take this lock (a flock, released
    by the kernel if the holder dies; distinct from the pipeline lock that each writing step
    takes, so the steps inside still run). A second run waits up to EVALWH_LOCK_WAIT_SECONDS
    (``timeout``), then fails with PipelineLockedError naming the holder.
    """
    return pipeline_lock(
        run_lock_file(paths), timeout=LOCK_WAIT_SECONDS if timeout is None else timeout
    )


def run_all(paths: Paths | None = None, mode: str = "incremental", year: int | None = None):
    """The whole pipeline without Airflow, under the run lock: returns the published version
    (or raises: a gate that does not pass publishes nothing)."""
    from evalwh.publish import GateNotPassedError

    paths = paths or config.paths()
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with run_lock(paths):
        summary = ingest(paths)
        prepare_build(paths, mode, year)
        dbt_build(paths, gate_follows_here=True)
        gate = audit_and_gate(paths, summary.run_id)
        if not gate.passed:
            raise GateNotPassedError(
                f"the quality gate did not pass ({gate.checks_passed}/{gate.checks_total})"
            )
        return publish(gate, paths, summary.run_id)


def snapshot_db(paths: Paths) -> Path:
    return paths.staging_db.parent / "ingest_snapshot.duckdb"


def ingest(
    paths: Paths | None = None, kinds=("reports", "inspections"), workers: int | None = None
):
    """Load new files; waits for the pipeline lock (one writer at a time). Parses in
    `workers` processes (default: config.ingest_workers(), one per core)."""
    from evalwh.ingest.load import ingest as run_ingest

    paths = paths or config.paths()
    workers = workers or config.ingest_workers()
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with pipeline_lock(paths.lock_file, timeout=LOCK_WAIT_SECONDS):
        return run_ingest(paths, workers=workers, kinds=tuple(kinds))


def prepare_build(
    paths: Paths | None = None, mode: str = "incremental", year: int | None = None
) -> dict:
    """Freeze the inputs of a build (a snapshot of the ingest DB, the staging file) and plan it.

    `incremental` and `year` start the staging file from the published version; `full`
    starts from nothing. `year` first reloads that reporting year from raw/.

    The plan (`build_plan`) is written beside the snapshot for the later steps: dbt rebuilds
    only the partitions (years) touched by what loaded since the published version, and the
    gate validates only those, unless the build must be a full refresh (mode=full, nothing
    published yet, or the dbt project or the expectations changed since the published build).
    """
    if mode not in BUILD_MODES:
        raise ValueError(f"mode must be one of {BUILD_MODES}, not {mode!r}")
    paths = paths or config.paths()
    reloaded = None
    if mode == "year":
        if not year:
            raise ValueError("mode=year needs a year")
        reloaded = reload_year(paths, int(year))
    staging = paths.staging_db
    staging.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)
    from evalwh.publish import pending_parquet_dir

    shutil.rmtree(pending_parquet_dir(staging), ignore_errors=True)  # a gated build's leftover
    with pipeline_lock(paths.lock_file, timeout=LOCK_WAIT_SECONDS):
        if not paths.ingest_db.exists():
            raise FileNotFoundError(f"no ingest DB at {paths.ingest_db}: run the ingestion first")
        taken_at = dt.datetime.now()
        from evalwh.store import checkpoint_ingest  # not at import: DAG parsing stays light

        checkpoint_ingest(paths.ingest_db)  # a killed ingest may have left commits in the WAL
        _copy(paths.ingest_db, snapshot_db(paths))
        (snapshot_db(paths).with_name(snapshot_db(paths).name + ".wal")).unlink(missing_ok=True)
        started_from = None
        if mode != "full" and paths.published_db.exists():
            _copy(paths.published_db, staging)
            os.chmod(staging, 0o644)
            started_from = str(paths.published_db)
    # mode=year: the year changed even if none of its files is in raw/ any more
    plan = build_plan(paths, mode, started_from is not None, (int(year),) if reloaded else ())
    _snapshot_note(paths).write_text(json.dumps({"taken_at": taken_at.isoformat(), **plan}))
    run_results_path(paths).unlink(missing_ok=True)  # a previous build's results: not this one's
    return {
        "mode": mode,
        "staging_db": str(staging),
        "started_from": started_from,
        "reloaded": reloaded,
        **plan,
    }


@dataclass(frozen=True)
class BuildPlan:
    """What `prepare_build` plans for a build and writes beside the snapshot (as a dict)."""

    full_refresh: bool
    rebuild_years: list[int] | None  # None: every partition
    rebuild_findings_from: int | None  # None: every finding
    skip_models: list[str]
    why: str
    definition: dict
    # incremental, and no file recorded since the published version (none loaded, quarantined
    # or seen as a duplicate): building would publish the same marts again
    nothing_new: bool = False


def build_plan(
    paths: Paths, mode: str, from_published: bool, also_changed: tuple[int, ...] = ()
) -> dict:
    """Full refresh, or the partitions (reporting years) to rebuild, and why.

    Incremental is sound only when the staging file is a copy of the published one and the
    published one was built and validated by the same dbt project and expectations: its
    untouched partitions are then exactly the rows a full build would produce, already
    validated. Anything else is a full refresh.
    """
    definition = build_definition()
    full_because = None
    if mode == "full":
        full_because = "mode=full"
    elif not from_published:
        full_because = "nothing published yet"
    elif published_definition(paths) != definition:
        full_because = "the dbt project or the expectations changed since the published build"
    if full_because:
        return asdict(BuildPlan(True, None, None, [], full_because, definition))
    from evalwh.build_scope import (
        rebuild_findings_from,
        rebuild_years,
        skippable_models,
        unpublished_files,
    )

    with duckdb.connect(str(snapshot_db(paths)), read_only=True) as con:
        years = sorted(int(y) for y in rebuild_years(con, also_changed))
        skip = skippable_models(con)  # the inspection models, when no export changed
        findings_from = None if skip else rebuild_findings_from(con)
        nothing_new = unpublished_files(con) == 0 and not also_changed
    why = f"rebuild years {years}" if years else "no reporting year changed"
    if skip:
        why += "; no new inspection export"
    elif findings_from is not None:
        why += f"; re-sequence the findings with a row in an export ranked {findings_from}+"
    if nothing_new:
        why = "nothing new since the published version: no file recorded since it was built"
    return asdict(BuildPlan(False, years, findings_from, skip, why, definition, nothing_new))


def read_build_plan(paths: Paths | None = None) -> dict:
    """The plan `prepare_build` wrote for the build in progress."""
    note = json.loads(_snapshot_note(paths or config.paths()).read_text())
    return {f.name: note.get(f.name) for f in fields(BuildPlan)}


def reload_year(paths: Paths, year: int) -> dict:
    """Forget one reporting year's workbooks and load them again from raw/."""
    from evalwh.ingest.load import forget_year

    with pipeline_lock(paths.lock_file, timeout=LOCK_WAIT_SECONDS):
        forgotten = forget_year(paths, year)
    summary = ingest(paths, kinds=("reports",))
    return {
        "year": year,
        "unloaded": forgotten,
        "run_id": summary.run_id,
        "rows_loaded": summary.rows_loaded,
        "rows_rejected": summary.rows_rejected,
    }


def _snapshot_note(paths: Paths) -> Path:
    return snapshot_db(paths).with_suffix(".json")


def _snapshot_taken_at(paths: Paths) -> dt.datetime:
    return dt.datetime.fromisoformat(json.loads(_snapshot_note(paths).read_text())["taken_at"])


# Every ingest run that ended before the snapshot reaches the version built from it: the
# failed and interrupted ones too (each file commits whole, so what they loaded is in the
# snapshot). Left unpublished, their files' years would be rebuilt by every later build.
_MARK_PUBLISHED = (
    "update audit.load_runs set published = true "
    "where status <> 'running' and not published and finished_at <= ?"
)


def _copy(source: Path, target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def dbt_env(paths: Paths | None = None) -> dict[str, str]:
    """Environment for dbt: where to build and which ingest snapshot to read."""
    paths = paths or config.paths()
    return {
        "EVALWH_DBT_TARGET_PATH": str(paths.staging_db),
        "EVALWH_INGEST_DB": str(snapshot_db(paths)),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }


def dbt_target_dir(paths: Paths | None = None) -> Path:
    """dbt's artifacts (manifest, run_results.json, the docs site) for this warehouse."""
    return (paths or config.paths()).warehouse_dir / "dbt" / "target"


def run_results_path(paths: Paths | None = None) -> Path:
    return dbt_target_dir(paths) / "run_results.json"


def dbt_command(
    args: list[str],
    paths: Paths | None = None,
    check: bool = True,
    env: dict | None = None,
    meanwhile: Callable[[], None] | None = None,
):
    """Run one dbt command on the project, as a subprocess (DuckDB file closed when it ends);
    `meanwhile`, if given, runs in this process while dbt does (`run_while`)."""
    paths = paths or config.paths()
    project = config.DBT_PROJECT_DIR
    command = [
        str(Path(sys.executable).with_name("dbt")),
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(dbt_target_dir(paths)),
        "--log-path",
        str(paths.warehouse_dir / "dbt" / "logs"),
    ]
    environment = {**os.environ, **dbt_env(paths), **(env or {})}
    if meanwhile is None:
        return subprocess.run(command, env=environment, check=check, cwd=project)
    return run_while(command, meanwhile, check=check, env=environment, cwd=project)


def run_while(
    command: list[str], meanwhile: Callable[[], None], check: bool = False, **popen
) -> subprocess.CompletedProcess:
    """`subprocess.run(command)` that calls `meanwhile()` in this process while the command
    runs. `meanwhile` only prepares what comes next: what it raises is logged, not raised. An
    interrupt (Airflow's SIGTERM to a task, Ctrl-C) kills the command, as subprocess.run does.
    """
    with subprocess.Popen(command, **popen) as process:
        try:
            try:
                meanwhile()
            except Exception as exc:  # a warm-up must not fail the command
                log.warning("while %s ran, %s failed: %s", command[0], meanwhile, exc)
            returncode = process.wait()
        except BaseException:
            process.kill()
            raise
    if check and returncode:
        raise subprocess.CalledProcessError(returncode, command)
    return subprocess.CompletedProcess(command, returncode)


def import_for_the_gate() -> None:
    """Import Great Expectations (about 6 s of CPU on these machines), for the gate."""
    import great_expectations  # noqa: F401


def while_dbt_builds(gate_follows_here: bool | None = None) -> Callable[[], None] | None:
    """What this process does while dbt builds in its subprocess.

    Where the gate follows in this same process (`make run`, whose `airflow dags test` runs
    every task in one process, and `run_all`; by default `config.tasks_share_a_process()`), it
    imports Great Expectations then, on the core dbt leaves idle, instead of after dbt: on the
    national incremental year the gate took 9.5-10.1 s instead of 15.1-16.6 s, dbt unchanged
    (`bench/scripts/incremental_steps.py`; docs/performance.md, fifth pass). A scheduler runs
    each task in a process of its own, where the import would be wasted: nothing then."""
    if gate_follows_here is None:
        gate_follows_here = config.tasks_share_a_process()
    return import_for_the_gate if gate_follows_here else None


class DbtBuildError(RuntimeError):
    pass


def dbt_build(paths: Paths | None = None, gate_follows_here: bool | None = None) -> dict:
    """One `dbt build` of the whole project into the staging file, as `prepare_build` planned
    it (`--full-refresh`, or the years to rebuild); returns what ran, from dbt's
    run_results.json. Raises DbtBuildError naming the failed nodes.

    Run again within the same build after a failure (an Airflow retry or a cleared task), it
    runs `dbt retry`: only the failed and skipped nodes, on the staging file that already
    holds the others. `prepare_build` removes the results, so a new build starts whole.

    `gate_follows_here`: the gate runs next in this process (`while_dbt_builds`).
    """
    paths = paths or config.paths()
    plan = read_build_plan(paths)
    previous = _dbt_results(run_results_path(paths))
    # the years reach the models through the environment, not --vars: a new --vars value
    # makes dbt parse the whole project again (dbt_project/macros/rebuild_years.sql)
    years = plan["rebuild_years"]  # None in a full refresh
    findings_from = plan["rebuild_findings_from"]  # None: every finding
    env = {
        "EVALWH_REBUILD_YEARS": "" if years is None else json.dumps(years),
        "EVALWH_REBUILD_FINDINGS_FROM": "" if findings_from is None else str(findings_from),
    }
    if previous and previous["failed"] and previous["command"] in ("build", "retry"):
        args = ["retry"]
    elif plan["full_refresh"]:
        args = ["build", "--full-refresh"]
    else:
        args = ["build"]
        if plan["skip_models"]:  # unchanged inputs: the published tables stay as they are
            args += ["--exclude", *plan["skip_models"]]
        # the unit tests test the SQL, which passed them when the published file was built
        args += ["--exclude-resource-type", "unit_test"]
    meanwhile = while_dbt_builds(gate_follows_here)
    proc = dbt_command(args, paths, check=False, env=env, meanwhile=meanwhile)
    results = _dbt_results(run_results_path(paths)) or {"failed": [], "command": args[0]}
    if proc.returncode != 0:
        failed = ", ".join(results["failed"]) or "see the dbt log above"
        raise DbtBuildError(f"dbt {args[0]} failed (exit {proc.returncode}): {failed}")
    # `dbt retry` records the arguments of the command it resumes: say what ran here
    done_meanwhile = meanwhile.__name__ if meanwhile else None
    return {**results, "command": args[0], "plan": plan["why"], "meanwhile": done_meanwhile}


def _dbt_results(path: Path) -> dict | None:
    """What a dbt run did, from its run_results.json: counts, seconds and the failed nodes."""
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    statuses: dict[str, int] = {}
    for r in data["results"]:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {
        "command": data.get("args", {}).get("which"),
        "seconds": round(data.get("elapsed_time") or 0.0, 1),
        "nodes": len(data["results"]),
        "statuses": statuses,
        "failed": [
            r["unique_id"]
            for r in data["results"]
            if r["status"] in ("error", "fail", "runtime error", "skipped")
        ],
    }


def audit_and_gate(paths: Paths | None = None, run_id: str | None = None):
    """Make the staging file publishable (audit copied in), then validate it."""
    from evalwh.publish import copy_audit_into, parquet_exported_meanwhile
    from evalwh.quality import validate

    paths = paths or config.paths()
    copy_audit_into(paths.staging_db, snapshot_db(paths))
    # the copy is published only if the gate passes; then these runs are in that version
    with duckdb.connect(str(paths.staging_db)) as con:
        con.execute(_MARK_PUBLISHED, [_snapshot_taken_at(paths)])
        con.execute("checkpoint")
    previous = paths.published_db if paths.published_db.exists() else None
    plan = read_build_plan(paths)
    # the Parquet files publish needs are written while the gate reads the file (publish moves
    # them into place if the gate passed on this very file state)
    with parquet_exported_meanwhile(paths.staging_db):
        return validate(
            paths.staging_db,
            previous,
            paths.data_docs_dir,
            ingest_db=snapshot_db(paths),
            run_id=run_id,
            # an incremental build left every other partition as published, and validated
            # (rebuild_years is None in a full refresh: everything is validated)
            partition_years=plan["rebuild_years"],
        )


def publish(gate, paths: Paths | None = None, run_id: str | None = None):
    from evalwh.publish import publish as run_publish
    from evalwh.store import connect_ingest

    paths = paths or config.paths()
    with pipeline_lock(paths.lock_file, timeout=LOCK_WAIT_SECONDS):
        version = run_publish(
            paths.staging_db,
            paths.published_db,
            paths.ingest_db,
            run_id,
            gate,
            lock_file=paths.lock_file,
            lock_timeout=LOCK_WAIT_SECONDS,
        )
        # every ingest run that finished before the snapshot has now reached a published version
        with connect_ingest(paths.ingest_db) as con:
            con.execute(_MARK_PUBLISHED, [_snapshot_taken_at(paths)])
        # after the swap: a crash before this line leaves the old definition, so the next
        # build is a full refresh (the safe side), never an incremental one on a wrong base
        record_definition(paths, read_build_plan(paths)["definition"], version.version)
    return version


def write_report(paths: Paths | None = None, lang: str = "zh") -> dict:
    """The auditor's report of the latest published year into warehouse/reports/<year>/
    (`evalwh.report`). Reads the published file only (read-only, no lock): a failure here
    leaves the published version as it is."""
    from evalwh.report import build_latest

    result = build_latest(paths or config.paths(), lang=lang)
    return result.to_dict()
