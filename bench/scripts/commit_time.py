"""Where the ingest writer's time goes: begin / work / commit, summed over one ingest run.

    uv run python bench/scripts/commit_time.py RAW_DIR [--workers 2] [--set "checkpoint_threshold='16MB'"]

RAW_DIR is a landing zone (reports/, inspections/); the run writes into a temporary
warehouse. --set applies DuckDB settings to the ingest writer on top of WRITER_SETTINGS (e.g.
the old 16 MB checkpoint threshold, to compare).
"""

from __future__ import annotations

import argparse
import tempfile
import time

from evalwh import config, store
from evalwh.ingest import load

parser = argparse.ArgumentParser()
parser.add_argument("raw_dir")
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--set", dest="settings", action="append", default=[])
args = parser.parse_args()

stats = {"begin": 0.0, "work": 0.0, "commit": 0.0, "transactions": 0}
connect = store.connect_ingest


def connect_with_settings(path, read_only=False):
    con = connect(path, read_only)
    for setting in [] if read_only else args.settings:
        con.execute(f"set {setting}")
    return con


def timed_tx(con, work) -> None:
    started = time.perf_counter()
    con.execute("begin transaction")
    stats["begin"] += time.perf_counter() - started
    started = time.perf_counter()
    try:
        work()
    except BaseException:
        con.execute("rollback")
        raise
    stats["work"] += time.perf_counter() - started
    started = time.perf_counter()
    con.execute("commit")
    stats["commit"] += time.perf_counter() - started
    stats["transactions"] += 1


load.connect_ingest = connect_with_settings
load.with_tx = timed_tx
with tempfile.TemporaryDirectory() as warehouse:
    started = time.perf_counter()
    summary = load.ingest(config.paths(args.raw_dir, warehouse), workers=args.workers)
    total = time.perf_counter() - started
print(
    f"settings {args.settings or 'WRITER_SETTINGS'}: {summary.rows_loaded:,} rows in {total:.1f} s;"
    + "".join(f" {k} {v:.2f}" if isinstance(v, float) else f" {k} {v}" for k, v in stats.items())
)
