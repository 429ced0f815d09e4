"""What the ingest writer's DuckDB appends of raw rows cost, against writing the same rows as
Parquet files (CPU of this process).

    uv run python bench/scripts/appends_vs_parquet.py INGEST_DB SCRATCH_DIR [--year 2024 | --all]
        [--set threads=1]

Reads one reporting year's workbook rows (`raw_rows.*`, per source file), or with `--all` every
raw row of every file (the exports' findings too), from an ingest DB into Arrow tables, then,
alternating: appends them to an empty ingest layout as the writer
does (one transaction per workbook, then the final checkpoint), and writes each file's
tables with `pyarrow.parquet.write_table` (zstd). The bound that appending into DuckDB sets
on the ingest: docs/performance.md, seventh pass.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
from pathlib import Path

import duckdb
import numpy
import pyarrow as pa
import pyarrow.parquet as pq

parser = argparse.ArgumentParser()
parser.add_argument("ingest_db")
parser.add_argument("scratch")
parser.add_argument("--year", type=int, default=2024)
parser.add_argument("--all", action="store_true", help="every file, not one year's workbooks")
parser.add_argument("--rounds", type=int, default=2)
parser.add_argument(
    "--set", dest="settings", action="append", default=[], help="also append with this setting"
)
args = parser.parse_args()

source = duckdb.connect(args.ingest_db, read_only=True)
skip_findings = "" if args.all else "and table_name <> 'inspection_findings'"
tables = [
    t
    for (t,) in source.execute(
        "select table_name from duckdb_tables() where schema_name = 'raw_rows' "
        f"{skip_findings} order by 1"
    ).fetchall()
]
ddl = [
    sql
    for (sql,) in source.execute(
        "select sql from duckdb_tables() where schema_name = 'raw_rows' order by table_name"
    ).fetchall()
]
# lineage ids of each file's tables, in file order
lineage: dict[str, list[tuple[str, int]]] = {}
for file, table, lineage_id in source.execute(
    "select source_file, raw_table, lineage_id from raw.lineage "
    "where ($all or (report_year = $year and raw_table <> 'inspection_findings')) "
    "order by source_file, raw_table",
    {"all": args.all, "year": args.year},
).fetchall():
    lineage.setdefault(file, []).append((table, lineage_id))
wanted = sorted(i for parts in lineage.values() for _, i in parts)
by_id: dict[int, pa.Table] = {}
for table in tables:  # one scan per table, split by lineage id
    rows_of = source.sql(
        f"select * from raw_rows.{table} where lineage_id in (select unnest($ids)) "
        "order by lineage_id, rowid",
        params={"ids": wanted},
    ).to_arrow_table()
    ids = rows_of.column("lineage_id").to_numpy()
    starts = [0, *(numpy.flatnonzero(numpy.diff(ids)) + 1).tolist()]
    for start, end in zip(starts, [*starts[1:], len(ids)], strict=True):
        if end > start:
            by_id[int(ids[start])] = rows_of.slice(start, end - start)
workbooks = [{table: by_id[i] for table, i in parts if i in by_id} for parts in lineage.values()]
files = list(lineage)
rows = sum(table.num_rows for workbook in workbooks for table in workbook.values())
print(f"{len(files)} files ({'all' if args.all else args.year}), {rows:,} raw rows")


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


scratch = Path(args.scratch)


def appends(settings: list[str]) -> tuple[float, float]:
    """Append every file's tables as the writer does; CPU seconds and the file's MB."""
    shutil.rmtree(scratch / "db", ignore_errors=True)
    (scratch / "db").mkdir(parents=True)
    db = scratch / "db" / "ingest.duckdb"
    con = duckdb.connect(str(db))
    con.execute("set checkpoint_threshold = '1GB'")  # as the writer sets it
    for setting in settings:
        con.execute(f"set {setting}")
    con.execute("create schema raw_rows")
    for sql in ddl:
        con.execute(sql)
    started = cpu()
    for workbook in workbooks:
        con.execute("begin")
        for name, table in workbook.items():
            con.register("_rows", table)
            con.execute(f"insert into raw_rows.{name} select * from _rows")
            con.unregister("_rows")
        con.execute("commit")
    con.execute("checkpoint")
    con.close()
    return cpu() - started, db.stat().st_size / 1e6


for round_ in range(1, args.rounds + 1):
    appended, mb = appends([])
    line = f"round {round_}: DuckDB appends and checkpoint {appended:.2f} s CPU ({mb:.0f} MB)"
    if args.settings:
        appended, mb = appends(args.settings)
        line += f"; with {', '.join(args.settings)} {appended:.2f} s CPU ({mb:.0f} MB)"
    shutil.rmtree(scratch / "parquet", ignore_errors=True)
    (scratch / "parquet").mkdir(parents=True)
    started = cpu()
    for i, workbook in enumerate(workbooks):
        for name, table in workbook.items():
            pq.write_table(table, scratch / "parquet" / f"{name}-{i}.parquet", compression="zstd")
    parquet = cpu() - started
    size = sum(f.stat().st_size for f in os.scandir(scratch / "parquet")) / 1e6
    print(f"{line}; Parquet {parquet:.2f} s CPU ({size:.0f} MB)", flush=True)
shutil.rmtree(scratch, ignore_errors=True)
