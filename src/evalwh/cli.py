"""`evalwh`: the warehouse from the command line, for people who do not open Airflow.

Heavy libraries (dbt, Great Expectations, Airflow) are imported inside the commands that need
them, so `evalwh status` and `evalwh --help` answer at once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from evalwh import config

console = Console()


def _paths(ctx: click.Context) -> config.Paths:
    return config.paths(ctx.obj.get("raw_dir"), ctx.obj.get("warehouse_dir"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--raw-dir", type=click.Path(path_type=Path), help="Landing zone [$EVALWH_RAW_DIR].")
@click.option(
    "--warehouse-dir",
    type=click.Path(path_type=Path),
    help="Warehouse root [$EVALWH_WAREHOUSE_DIR].",
)
@click.pass_context
def main(ctx: click.Context, raw_dir: Path | None, warehouse_dir: Path | None) -> None:
    """evalwh: multi-year evaluation history of grassroots Party-building work."""
    ctx.ensure_object(dict)
    ctx.obj.update(raw_dir=raw_dir, warehouse_dir=warehouse_dir)


def _progress_bar(description: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = progress.add_task(description, total=None)

    def update(done: int, total: int, *_: object) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


@main.command()
@click.option("--scale", type=click.Choice(["sample", "national"]), default="sample")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Target folder [default: the raw dir]."
)
@click.option("--seed", type=int, default=2014, show_default=True)
@click.option("--workers", type=int, default=2, show_default=True)
@click.pass_context
def generate(ctx: click.Context, scale: str, out: Path | None, seed: int, workers: int) -> None:
    """Write a deterministic dataset that follows raw-formats.md, mess included."""
    from evalwh.generate import generate as run_generate

    target = out or _paths(ctx).raw_dir
    progress, update = _progress_bar(f"generating {scale}")
    with progress:
        summary = run_generate(target, scale=scale, seed=seed, workers=workers, progress=update)
    console.print(f"[green]generated[/] {scale} dataset in {target}")
    for key, value in summary.items():
        if not isinstance(value, dict | list):
            console.print(f"  {key}: {value}")


@main.command()
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Parser processes (default: EVALWH_INGEST_WORKERS, else one per core, at most 4).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_context
def ingest(ctx: click.Context, workers: int | None, as_json: bool) -> None:
    """Load every new file of the landing zone into the raw layer."""
    from evalwh.ingest.load import ingest as run_ingest
    from evalwh.locking import PipelineLockedError
    from evalwh.pipeline import LOCK_WAIT_SECONDS, pipeline_lock

    paths = _paths(ctx)
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    progress, update = _progress_bar("ingesting")
    try:  # one writer of the warehouse: wait for a running pipeline step, or say who holds it
        with pipeline_lock(paths.lock_file, timeout=LOCK_WAIT_SECONDS), progress:
            summary = run_ingest(paths, workers=workers or config.ingest_workers(), progress=update)
    except PipelineLockedError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        import json

        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        return
    print_ingest_summary(summary)


def print_ingest_summary(summary) -> None:
    console.print(f"[bold]run {summary.run_id}[/] ({summary.seconds:.1f} s)")
    console.print(
        f"  files: {summary.files_seen} seen, {summary.files_loaded} loaded, "
        f"{summary.files_superseded} superseded, {summary.files_duplicate} duplicate, "
        f"{summary.files_quarantined} quarantined, {summary.files_already_seen} already seen"
    )
    console.print(f"  rows:  {summary.rows_loaded:,} loaded, {summary.rows_rejected:,} rejected")
    for file, reason in summary.quarantined:
        console.print(f"  [red]quarantined[/] {file}: {reason}")
    for reason, count in sorted(summary.rejects_by_reason.items()):
        console.print(f"  [yellow]rejected[/] {count:>6,} x {reason}")


@main.command()
@click.option("--runs", type=int, default=5, show_default=True, help="How many recent runs.")
@click.pass_context
def status(ctx: click.Context, runs: int) -> None:
    """Recent runs, what was quarantined and why, rejects by reason, the published version."""
    from evalwh.status import collect_status

    report = collect_status(_paths(ctx), runs)
    if report is None:
        console.print("No ingest database yet: run `evalwh ingest` (or `make run`).")
        return
    table = Table(title="Recent runs")
    for column in report["runs_columns"]:
        table.add_column(column)
    for row in report["runs"]:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    if report["quarantine"]:
        q = Table(title="Quarantined files")
        q.add_column("file")
        q.add_column("reason")
        for file, reason in report["quarantine"]:
            q.add_row(file, reason)
        console.print(q)
    r = Table(title="Rejected rows by reason")
    r.add_column("reason")
    r.add_column("rows", justify="right")
    for reason, count in report["rejects_by_reason"]:
        r.add_row(reason, f"{count:,}")
    console.print(r)
    published = report["published"]
    if published:
        console.print(
            f"Published version {published['version']} at {published['published_at']} "
            f"({published['checks_passed']}/{published['checks_total']} checks): "
            f"{published['path']}"
        )
    else:
        console.print("Nothing published yet.")


def _published(ctx: click.Context):
    import duckdb

    db = _paths(ctx).published_db
    if not db.exists():
        raise click.ClickException(f"nothing published yet at {db}: run `make run`")
    return duckdb.connect(str(db), read_only=True)


def _neutralised(relation):
    """The relation with every text column passed through export_safety's rule (a leading
    = + - @ tab or CR gets an apostrophe); numbers and other types untouched. Columns are
    addressed by position, so duplicate names in a query are fine."""
    from evalwh.export_safety import neutralise_sql

    columns = []
    for i, (name, kind) in enumerate(zip(relation.columns, relation.types, strict=True), 1):
        alias = '"' + name.replace('"', '""') + '"'
        text = kind.id in ("varchar", "enum")
        columns.append(f"{neutralise_sql(f'#{i}::varchar') if text else f'#{i}'} as {alias}")
    return relation.project(", ".join(columns))


def _show(relation, limit: int) -> None:
    columns = relation.columns
    rows = relation.limit(limit).fetchall()
    table = Table(show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


@main.command()
@click.argument("sql", required=False)
@click.option(
    "--file",
    "-f",
    "sql_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the SQL from a file (e.g. queries/repeat_problems.sql).",
)
@click.option("--limit", type=int, default=50, show_default=True, help="Rows to print.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), help="Write all rows as CSV.")
@click.option(
    "--parquet", "parquet_path", type=click.Path(path_type=Path), help="Write all rows as Parquet."
)
@click.pass_context
def query(
    ctx,
    sql: str | None,
    sql_file: Path | None,
    limit: int,
    csv_path: Path | None,
    parquet_path: Path | None,
) -> None:
    """Run one SQL query against the published warehouse (opened read-only)."""
    import duckdb

    if sql_file is not None:
        sql = sql_file.read_text("utf-8")
    if not sql:
        raise click.UsageError("give the SQL as an argument or with --file")

    with _published(ctx) as con:
        try:
            relation = con.sql(sql)
        except duckdb.Error as exc:
            raise click.ClickException(str(exc)) from None
        if relation is None:
            return
        if csv_path:  # a spreadsheet program opens it: no text cell may start a formula
            _neutralised(relation).write_csv(str(csv_path))
            console.print(f"wrote {csv_path}")
        if parquet_path:
            relation.write_parquet(str(parquet_path), compression="zstd")
            console.print(f"wrote {parquet_path}")
        if not (csv_path or parquet_path):
            _show(relation, limit)


@main.command()
@click.pass_context
def shell(ctx) -> None:
    """An interactive SQL prompt on the published warehouse (read-only). End with Ctrl-D."""
    import duckdb

    with _published(ctx) as con:
        console.print("evalwh (read-only). Tables: `show all tables;`. Ctrl-D to leave.")
        while True:
            try:
                sql = click.prompt("evalwh", prompt_suffix="> ")
            except (EOFError, click.Abort):
                break
            try:
                relation = con.sql(sql)
                if relation is not None:
                    _show(relation, 100)
            except duckdb.Error as exc:
                console.print(f"[red]{exc}[/]")


@main.command()
@click.option("--year", type=int, help="Reporting year [default: the latest published].")
@click.option(
    "--province", help="Narrow to one province (code or name): its cities, counties, townships."
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the .html and .xlsx [default: <warehouse>/reports/<year>].",
)
@click.option("--top", type=int, default=20, show_default=True, help="Worst regressions shown.")
@click.option("--json", "as_json", is_flag=True, help="Print paths, sizes and timings as JSON.")
@click.pass_context
def report(
    ctx,
    year: int | None,
    province: str | None,
    lang: str,
    out: Path | None,
    top: int,
    as_json: bool,
) -> None:
    """The auditor's report: a self-contained HTML file and an .xlsx with the same tables,
    from the published warehouse (opened read-only)."""
    from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

    from evalwh.report import ReportInputError, build_report

    paths = _paths(ctx)
    progress = Progress(
        SpinnerColumn(),
        "[progress.description]{task.description}",
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = progress.add_task("report: opening the published warehouse", total=None)
    try:
        with progress:
            result = build_report(
                paths.published_db,
                year,
                province,
                lang,
                out,
                top=top,
                progress=lambda step: progress.update(task, description=f"report: {step}"),
                reports_dir=paths.audit_reports_dir,
            )
    except ReportInputError as exc:
        raise click.ClickException(str(exc)) from None
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    if as_json:
        import json

        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    console.print(f"[green]report[/] {result.year} ({result.seconds['total']:.1f} s)")
    console.print(f"  html: {result.html_path} ({result.html_bytes / 1024:,.0f} KB)")
    console.print(f"  xlsx: {result.xlsx_path} ({result.xlsx_bytes / 1024:,.0f} KB)")


if __name__ == "__main__":
    sys.exit(main())
