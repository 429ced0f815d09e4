"""DuckDB's cost of appending workbooks' rows one file per transaction against several files
per transaction (CPU of this process), on rows taken from an ingest DB.

    uv run python bench/scripts/transaction_size.py INGEST_DB FILES_PER_TRANSACTION [--files 120]

Example, alternating: ... /tmp/ingwh/ingest/ingest.duckdb 1, then ... 8, then 1, then 8.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import duckdb

parser = argparse.ArgumentParser()
parser.add_argument("ingest_db")
parser.add_argument("group", type=int)
parser.add_argument("--files", type=int, default=120)
args = parser.parse_args()

TABLES = ("commitments", "commitment_outcomes", "problems", "rectifications")
source = duckdb.connect(args.ingest_db, read_only=True)
files = [
    f
    for (f,) in source.execute(
        "select distinct source_file from raw.commitments order by 1 limit ?", [args.files]
    ).fetchall()
]
data = {
    f: {
        t: source.execute(f"select * from raw.{t} where source_file = ?", [f]).to_arrow_table()
        for t in TABLES
    }
    for f in files
}
source.close()

target = "/tmp/transaction_size.duckdb"
for leftover in (target, target + ".wal"):
    if os.path.exists(leftover):
        os.remove(leftover)
con = duckdb.connect(target, config={"checkpoint_threshold": "1GB", "memory_limit": "2GB"})
con.execute(f"attach '{args.ingest_db}' as source (read_only)")
for t in TABLES:
    con.execute(f"create table {t} as select * from source.raw.{t} limit 0")
con.execute("detach source")
before, started, rows = resource.getrusage(resource.RUSAGE_SELF), time.time(), 0
for i, f in enumerate(files):
    if i % args.group == 0:
        con.execute("begin")
    for t in TABLES:
        arrow = data[f][t]  # read by DuckDB below
        rows += len(data[f][t])
        con.execute(f"insert into {t} select * from arrow")
    if i % args.group == args.group - 1 or i == len(files) - 1:
        con.execute("commit")
con.execute("checkpoint")
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
print(
    f"{args.group} file(s) per transaction: {rows:,} rows, {time.time() - started:.2f} s, CPU {cpu:.2f} s"
)
