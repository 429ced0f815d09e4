"""A parse worker's CPU per file against the parse floor's, in one quiet process.

    uv run python bench/scripts/worker_vs_floor.py REPORTS_DIR [--every 12] [--rounds 3]
    uv run python bench/scripts/worker_vs_floor.py INSPECTIONS_DIR --exports [--every 1]

Takes every n-th workbook (or, with --exports, inspection export) and, alternating, reads
each as the bench's parse_floor step does (python-calamine, every sheet to Python; an export
decoded and split by `csv.reader`) and parses it as an ingest worker does (`load._parse`: the
reading, the column conversion, for a workbook the error-cell scan, the Arrow tables; an
export without the loaded reports' region codes). Prints the CPU seconds of each round and
their ratio: what a worker adds to the floor when nothing else competes for the cores (inside
`make bench`'s ingest the writer shares them).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pyarrow as pa

from evalwh.ingest.load import INSPECTION, REPORT, Candidate, _parse
from evalwh.parse_floor import rows_read

parser = argparse.ArgumentParser()
parser.add_argument("directory")
parser.add_argument("--exports", action="store_true", help="inspection exports (.csv)")
parser.add_argument("--every", type=int, default=12, help="take every n-th file")
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()
kind = INSPECTION if args.exports else REPORT
files = sorted(Path(args.directory).glob("*.csv" if args.exports else "*.xlsx"))[:: args.every]
pa.array([0])  # as the ingest's parent does before its workers fork (load._worker_pool)


def floor() -> int:
    return sum(map(rows_read, files))  # what the bench's parse_floor step does with each file


def worker() -> int:
    rows = 0
    for path in files:
        parsed = _parse(Candidate(path, path.name, kind, "-"), None)
        rows += parsed.rows.num_rows if args.exports else parsed.rows_loaded
    return rows


print(f"{len(files)} {'exports' if args.exports else 'workbooks'}")
for round_ in range(1, args.rounds + 1):
    seconds = {}
    for name, work in (("floor", floor), ("worker", worker)):
        started = time.process_time()
        rows = work()
        seconds[name] = time.process_time() - started
        print(f"round {round_}: {name} {seconds[name]:.2f} s CPU, {rows:,} rows")
    print(f"round {round_}: worker / floor = {seconds['worker'] / seconds['floor']:.2f}")
