"""`make run`, `make airflow`, `make docs`: the embedded deployment (SQLite metadata DB,
DuckDB warehouse, no Docker), driven through Airflow itself.

    python -m evalwh.orchestrate prepare   # metadata DB, dbt manifest, DAGs serialised
    python -m evalwh.orchestrate run       # prepare, then ingest -> build -> gate -> publish
    python -m evalwh.orchestrate docs      # dbt docs site

`run` uses `airflow dags test`, which runs each DAG in-process against the real metadata DB,
in the order the Assets would trigger them: ingest_reports, ingest_inspections, then
build_and_publish. Without EVALWH_RAW_DIR it generates the sample into raw/ when raw/ holds no
data; with EVALWH_RAW_DIR set it uses that directory as it is and generates nothing.
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
from evalwh.dbt_tasks import manifest_path

PIPELINE_DAGS = ("ingest_reports", "ingest_inspections", "build_and_publish")


def airflow_env() -> dict[str, str]:
    home = Path(os.environ.get("AIRFLOW_HOME", config.PROJECT_DIR / "airflow_home"))
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.PROJECT_DIR / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # Cosmos' partial-parse cache, per warehouse (parallel test runs must not share it)
        "AIRFLOW__COSMOS__CACHE_DIR": str(config.paths().warehouse_dir / "dbt" / "cosmos_cache"),
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "EVALWH_PROJECT_DIR": str(config.PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    return env


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


def parse_dbt_project() -> Path:
    """`dbt parse` writes the manifest that Cosmos renders the dbt tasks from (no DB needed)."""
    from evalwh.pipeline import dbt_command

    dbt_command(["parse", "--quiet"], check=True)
    return manifest_path()


def prepare() -> None:
    env = airflow_env()
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    ensure_sample()
    started = time.perf_counter()
    _run([_bin("airflow"), "db", "migrate"], env, quiet=True)
    parse_dbt_project()
    _run([_bin("airflow"), "dags", "reserialize"], env, quiet=True)
    click.echo(f"Airflow and dbt prepared in {time.perf_counter() - started:.1f} s")


def run_dag(dag_id: str, conf: dict | None = None) -> None:
    args = [_bin("airflow"), "dags", "test", dag_id]
    if conf:
        args += ["--conf", json.dumps(conf)]
    _run(args)


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
        prepare()
        for dag_id in PIPELINE_DAGS:
            click.echo(f"==> airflow dags test {dag_id}")
            conf = {"mode": mode, "year": year} if dag_id == "build_and_publish" else None
            run_dag(dag_id, conf)
    click.echo(summary(config.paths()))
    click.echo(f"\nmake run: {time.perf_counter() - started:.1f} s wall")


@main.command("docs")
def docs_command() -> None:
    """Build the dbt docs site (lineage, every column) into warehouse/dbt/target."""
    import shutil

    from evalwh.pipeline import dbt_command

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
    click.echo(f"open {manifest_path().parent / 'index.html'}")


if __name__ == "__main__":
    main()
