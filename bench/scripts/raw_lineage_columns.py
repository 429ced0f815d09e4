"""What the per-file lineage columns cost the ingest writer's DuckDB work.

    uv run python bench/scripts/raw_lineage_columns.py INGEST_DB [--year 2024] [--rounds 2]

Every raw workbook row carries its file's constants (report_year, province_code,
province_name, batch, template_version, source_file, file_sha256, sheet, run_id). This
replays one reporting year's raw rows from INGEST_DB (an ingest DB holding that year, e.g.
the national one built by the bench) into a scratch DuckDB the way the writer does: one
transaction per workbook, then close (the checkpoint). Once with the rows as they are stored
today, once without the constant columns (what a raw layer keyed by a file id would append),
alternated. It prints the CPU of the inserts and commits and of the close, and the file size.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb

TABLES = (
    "officials",
    "commitments",
    "commitment_outcomes",
    "problems",
    "rectifications",
    "evaluations",
)
PER_FILE = (
    "report_year",
    "province_code",
    "province_name",
    "batch",
    "template_version",
    "source_file",
    "file_sha256",
    "sheet",
    "run_id",
)

parser = argparse.ArgumentParser()
parser.add_argument("ingest_db")
parser.add_argument("--year", type=int, default=2024)
parser.add_argument("--rounds", type=int, default=2)
args = parser.parse_args()

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

    def shaped(table):
        return table if keep_per_file else table.drop_columns(list(PER_FILE))

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
        replay("without per-file columns", False, Path(scratch))
