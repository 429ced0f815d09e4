"""What the ingest writer's DuckDB appends of raw rows cost, against writing the same rows as
Parquet files (CPU of this process).

    uv run python bench/scripts/appends_vs_parquet.py INGEST_DB SCRATCH_DIR [--year 2024]

Reads one reporting year's workbook rows (`raw_rows.*`, per source file) from an ingest DB
into Arrow tables, then, alternating: appends them to an empty ingest layout as the writer
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
import pyarrow.parquet as pq

parser = argparse.ArgumentParser()
parser.add_argument("ingest_db")
parser.add_argument("scratch")
parser.add_argument("--year", type=int, default=2024)
parser.add_argument("--rounds", type=int, default=2)
args = parser.parse_args()

source = duckdb.connect(args.ingest_db, read_only=True)
tables = [
    t
    for (t,) in source.execute(
        "select table_name from duckdb_tables() where schema_name = 'raw_rows' "
        "and table_name <> 'inspection_findings' order by 1"
    ).fetchall()
]
ddl = [
    sql
    for (sql,) in source.execute(
        "select sql from duckdb_tables() where schema_name = 'raw_rows' order by table_name"
    ).fetchall()
]
files = [
    f
    for (f,) in source.execute(
        "select distinct source_file from raw.lineage where report_year = ? "
        "and raw_table <> 'inspection_findings' order by 1",
        [args.year],
    ).fetchall()
]
workbooks = [
    {
        t: source.sql(
            f"select r.* from raw_rows.{t} as r join raw.lineage as l using (lineage_id) "
            f"where l.source_file = $file order by r.rowid",
            params={"file": f},
        ).to_arrow_table()
        for t in tables
    }
    for f in files
]
rows = sum(table.num_rows for workbook in workbooks for table in workbook.values())
print(f"{len(files)} workbooks of {args.year}, {rows:,} raw rows")


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


scratch = Path(args.scratch)
for round_ in range(1, args.rounds + 1):
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "parquet").mkdir(parents=True)
    db = scratch / "ingest.duckdb"
    con = duckdb.connect(str(db))
    con.execute("set checkpoint_threshold = '1GB'")  # as the writer sets it
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
    appends = cpu() - started
    started = cpu()
    for i, workbook in enumerate(workbooks):
        for name, table in workbook.items():
            pq.write_table(table, scratch / "parquet" / f"{name}-{i}.parquet", compression="zstd")
    parquet = cpu() - started
    size = sum(f.stat().st_size for f in os.scandir(scratch / "parquet")) / 1e6
    print(
        f"round {round_}: DuckDB appends and checkpoint {appends:.2f} s CPU "
        f"({db.stat().st_size / 1e6:.0f} MB); Parquet {parquet:.2f} s CPU ({size:.0f} MB)"
    )
shutil.rmtree(scratch, ignore_errors=True)
