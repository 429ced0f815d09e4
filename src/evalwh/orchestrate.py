"""`make run`, `make airflow`, `make docs`: the embedded deployment (SQLite metadata DB,
DuckDB warehouse, no Docker), driven through Airflow itself.

    python -m evalwh.orchestrate prepare   # metadata DB migrated, DAGs serialised (for the UI)
    python -m evalwh.orchestrate run       # ingest -> build -> gate -> publish through Airflow
    python -m evalwh.orchestrate docs      # dbt docs site

`run` starts one Airflow process that migrates the metadata DB and then runs `airflow dags
test` for each DAG in the order the Assets would trigger them: ingest_reports,
ingest_inspections, then build_and_publish. `dags test` runs a DAG in-process against the real
metadata DB (and writes the DAGs' serialised form there, as the UI needs). One process instead
of one per command saves Airflow's start-up (about 6 s on 2 cores) four times per run. Without
EVALWH_RAW_DIR it generates the sample into raw/ when raw/ holds no data; with EVALWH_RAW_DIR
set it uses that directory as it is and generates nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click
import duckdb

from evalwh import config

PIPELINE_DAGS = ("ingest_reports", "ingest_inspections", "build_and_publish")


def airflow_env() -> dict[str, str]:
    home = Path(os.environ.get("AIRFLOW_HOME", config.PROJECT_DIR / "airflow_home"))
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.PROJECT_DIR / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "EVALWH_PROJECT_DIR": str(config.PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    return env


def free_port() -> int:
    """A TCP port nothing listens on now (for a second Airflow beside `make airflow`)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def standalone_env(paused_at_creation: bool = False) -> dict[str, str]:
    """`airflow_env()` for an `airflow standalone` on free ports (API server, the task SDK's
    execution API, the log servers), so that it can run beside another Airflow; DAGs unpaused
    at creation unless asked. AIRFLOW_HOME, EVALWH_RAW_DIR and EVALWH_WAREHOUSE_DIR come from
    the environment, as for `airflow_env()`."""
    api_port = free_port()
    return {
        **airflow_env(),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": str(paused_at_creation),
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{api_port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }


def metadata_rows(home: Path, sql: str) -> list[tuple]:
    """A query on the SQLite metadata DB in `home`, read-only (a running scheduler keeps
    writing it); nothing while the DB is not migrated yet or is busy."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _run(args: list[str], env: dict[str, str] | None = None, quiet: bool = False) -> None:
    output = subprocess.DEVNULL if quiet else None
    subprocess.run(args, env=env or airflow_env(), check=True, stdout=output)


def ensure_sample() -> None:
    """Generate the sample into raw/ when the default landing zone holds no data."""
    if os.environ.get("EVALWH_RAW_DIR"):
        return
    raw = config.paths().raw_dir
    has_data = any(p.is_file() for d in ("reports", "inspections") for p in (raw / d).glob("*"))
    if not has_data:
        from evalwh.generate import generate

        click.echo(f"raw/ is empty: generating the sample dataset into {raw}")
        generate(raw, scale="sample")


def prepare() -> None:
    """For `make airflow`: the metadata DB migrated and the DAGs serialised for the UI."""
    env = airflow_env()
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    ensure_sample()
    started = time.perf_counter()
    _run([_bin("airflow"), "db", "migrate"], env, quiet=True)
    _run([_bin("airflow"), "dags", "reserialize"], env, quiet=True)
    click.echo(f"Airflow prepared in {time.perf_counter() - started:.1f} s")


def dag_test_commands(mode: str, year: int | None) -> list[list[str]]:
    """The `airflow` commands of one pipeline run, in order."""
    commands = [["db", "migrate"]]
    for dag_id in PIPELINE_DAGS:
        command = ["dags", "test", dag_id]
        if dag_id == "build_and_publish":
            command += ["--conf", json.dumps({"mode": mode, "year": year})]
        commands.append(command)
    return commands


def run_dags(mode: str, year: int | None) -> None:
    """Run the pipeline's `airflow` commands in one child process (AIRFLOW_HOME etc. must be
    in its environment before Airflow is imported); a failed DAG run fails the child. Its
    tasks run one after another in that process, and it is told so
    (`config.tasks_share_a_process`)."""
    env = airflow_env()
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    ensure_sample()
    args = [sys.executable, "-m", "evalwh.orchestrate", "airflow-commands", "--mode", mode]
    if year is not None:
        args += ["--year", str(year)]
    _run(args, {**env, config.TASKS_SHARE_A_PROCESS: "1"})


def _airflow_commands_in_process(commands: list[list[str]]) -> None:
    """What `airflow <command>` does, for each command, in this one interpreter."""
    from airflow.cli import cli_parser

    parser = cli_parser.get_parser()
    for command in commands:
        click.echo(f"==> airflow {' '.join(command)}", err=True)
        args = parser.parse_args(command)
        args.func(args)  # `dags test` raises SystemExit("DagRun failed") on a failed run


def report_lines(paths: config.Paths) -> list[str]:
    """Where the auditor's report of the latest published year is (the `report` task)."""
    reports = sorted(
        paths.audit_reports_dir.glob("*/report-*.html"),
        key=lambda p: (p.parent.name, p.stat().st_mtime),
    )
    if not reports:
        return ["", "  report:    none written (see the `report` task of build_and_publish)"]
    latest = reports[-1]
    return [
        "",
        f"Auditor's report ({latest.parent.name}), open in a browser:",
        f"  {latest}",
        f"  {latest.with_suffix('.xlsx')}",
    ]


def summary(paths: config.Paths) -> str:
    with duckdb.connect(str(paths.ingest_db), read_only=True) as con:
        files = dict(
            con.execute("select status, count(*) from audit.source_files group by 1").fetchall()
        )
        rows = con.execute(
            "select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0) "
            "from audit.load_runs where status = 'succeeded'"
        ).fetchone()
        version = con.execute(
            "select version, checks_passed, checks_total, sha256 from audit.published_versions "
            "order by version desc limit 1"
        ).fetchone()
    lines = [
        "",
        "evalwh pipeline summary",
        f"  files:     {sum(files.values())} seen: "
        + ", ".join(f"{n} {status}" for status, n in sorted(files.items())),
        f"  rows:      {rows[0]:,} loaded, {rows[1]:,} rejected (see `evalwh status`)",
    ]
    if version:
        lines += [
            f"  checks:    {version[1]}/{version[2]} data-quality checks passed",
            f"  published: version {version[0]} -> {paths.published_db}",
            f"             sha256 {version[3]}",
            "",
            "Query it (read-only, safe while the pipeline runs):",
            f'  duckdb -readonly {paths.published_db} "from marts.region_year_trend limit 10"',
            '  uv run evalwh query "select * from marts.commitment_vs_outcome limit 10"',
        ]
        lines += report_lines(paths)
    else:
        lines.append("  published: nothing (the gate did not pass; see warehouse/data_docs)")
    return "\n".join(lines)


@click.group()
def main() -> None:
    """Embedded deployment helpers."""


@main.command("prepare")
def prepare_command() -> None:
    """Migrate the metadata DB, parse the dbt project, serialise the DAGs."""
    prepare()


@main.command("run")
@click.option("--mode", type=click.Choice(["incremental", "year", "full"]), default="incremental")
@click.option("--year", type=int, default=None)
def run_command(mode: str, year: int | None) -> None:
    """Run the whole pipeline through Airflow and print a summary."""
    from evalwh.locking import PipelineLockedError
    from evalwh.pipeline import run_lock

    started = time.perf_counter()
    paths = config.paths()
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    try:
        with run_lock(paths, timeout=0):
            pass
    except PipelineLockedError as exc:  # say so before waiting, not after
        click.echo(f"{exc}\nwaiting for it ...", err=True)
    with run_lock(paths):  # a second `make run` waits here (or fails, naming the holder)
        run_dags(mode, year)
    click.echo(summary(config.paths()))
    click.echo(f"\nmake run: {time.perf_counter() - started:.1f} s wall")


@main.command("airflow-commands", hidden=True)
@click.option("--mode", type=click.Choice(["incremental", "year", "full"]), default="incremental")
@click.option("--year", type=int, default=None)
def airflow_commands(mode: str, year: int | None) -> None:
    """(internal) the child of `run`: every Airflow command of the run in one process."""
    _airflow_commands_in_process(dag_test_commands(mode, year))


@main.command("docs")
def docs_command() -> None:
    """Build the dbt docs site (lineage, every column) into warehouse/dbt/target."""
    import shutil

    from evalwh.pipeline import dbt_command, dbt_target_dir

    paths = config.paths()
    env = {}
    if paths.published_db.exists():  # the catalog (column types) from a copy of what is published
        catalog_db = paths.warehouse_dir / "dbt" / "docs_catalog.duckdb"
        shutil.copyfile(paths.published_db, catalog_db)
        catalog_db.chmod(0o644)
        env = {"EVALWH_DBT_TARGET_PATH": str(catalog_db), "EVALWH_INGEST_DB": str(paths.ingest_db)}
        dbt_command(["docs", "generate"], env=env)
    else:
        click.echo("nothing published yet: docs without a catalog of column types")
        dbt_command(["docs", "generate", "--empty-catalog"], env=env)
    click.echo(f"open {dbt_target_dir(paths) / 'index.html'}")


if __name__ == "__main__":
    main()
