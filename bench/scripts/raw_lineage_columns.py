"""What the per-file lineage columns cost the ingest writer's DuckDB work.

    uv run python bench/scripts/raw_lineage_columns.py INGEST_DB [--year 2024] [--rounds 2]
        [--drop source_file,file_sha256,run_id] [--force-compression uncompressed]

Every raw workbook row carried its file's constants (report_year, province_code,
province_name, batch, template_version, source_file, file_sha256, sheet, run_id) until the
sixth pass moved them to raw.lineage (they are read back through the raw.<table> views). This
replays one reporting year's raw rows from INGEST_DB (an ingest DB holding that year, e.g.
the national one built by the bench) into a scratch DuckDB the way the writer does: one
transaction per workbook, then close (the checkpoint). Once with the rows as they were stored
before, once without the constant columns (what the raw layer keyed by raw.lineage appends;
`--drop` names a subset to leave out instead), alternated. It prints the CPU of the inserts and
commits and of the close, and the file size. `--force-compression` applies DuckDB's
`force_compression` to both (to see whether compression is the cost).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb

from evalwh.store import RAW_TABLES, WORKBOOK_LINEAGE

TABLES = tuple(t for t in RAW_TABLES if t != "inspection_findings")  # the workbook tables
PER_FILE = WORKBOOK_LINEAGE  # a workbook row's constants

parser = argparse.ArgumentParser()
parser.add_argument("ingest_db")
parser.add_argument("--year", type=int, default=2024)
parser.add_argument("--rounds", type=int, default=2)
parser.add_argument("--drop", help="comma-separated columns to leave out (default: all 9)")
parser.add_argument("--force-compression", help="DuckDB force_compression for both")
args = parser.parse_args()
dropped = args.drop.split(",") if args.drop else list(PER_FILE)

with duckdb.connect(args.ingest_db, read_only=True) as source:
    files = [
        path
        for (path,) in source.execute(
            "select distinct source_file from raw.commitments where report_year = ? order by 1",
            [args.year],
        ).fetchall()
    ]
    rows = {
        path: {
            table: source.sql(
                f"select * from raw.{table} where source_file = $path", params={"path": path}
            ).to_arrow_table()
            for table in TABLES
        }
        for path in files
    }
total = sum(len(t) for tables in rows.values() for t in tables.values())
print(f"{len(files)} workbooks of {args.year}, {total:,} raw rows")


def replay(label: str, keep_per_file: bool, scratch: Path) -> None:
    path = scratch / f"{label}.duckdb"
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(path), config={"checkpoint_threshold": "1GB"})  # the writer's
    if args.force_compression:
        con.execute("pragma force_compression = ?", [args.force_compression])

    def shaped(table):
        return table if keep_per_file else table.drop_columns(dropped)

    for name in TABLES:
        first = shaped(rows[files[0]][name])  # noqa: F841 (read by DuckDB)
        con.execute(f"create table {name} as select * from first limit 0")
    started = time.process_time()
    for path_ in files:
        con.execute("begin transaction")
        for name in TABLES:
            arrow = shaped(rows[path_][name])  # noqa: F841 (read by DuckDB)
            con.execute(f"insert into {name} select * from arrow")
        con.execute("commit")
    appended = time.process_time() - started
    started = time.process_time()
    con.close()
    closed = time.process_time() - started
    print(
        f"{label:>24}: inserts and commits {appended:.2f} s CPU, close {closed:.2f} s CPU, "
        f"{os.path.getsize(path) / 1e6:.0f} MB"
    )


with tempfile.TemporaryDirectory() as scratch:
    for _ in range(args.rounds):
        replay("as stored", True, Path(scratch))
        replay(f"without {len(dropped)} per-file columns", False, Path(scratch))
