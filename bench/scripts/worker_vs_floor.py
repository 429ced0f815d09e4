"""A parse worker's CPU per workbook against the parse floor's, in one quiet process.

    uv run python bench/scripts/worker_vs_floor.py REPORTS_DIR [--every 12] [--rounds 3]

Takes every n-th workbook and, alternating, reads each as the bench's parse_floor step does
(python-calamine, every sheet to Python) and parses it as an ingest worker does
(`load._parse`: the reading, the column conversion, the error-cell scan, the Arrow tables).
Prints the CPU seconds of each round and their ratio: what a worker adds to the floor when
nothing else competes for the cores (inside `make bench`'s ingest the writer shares them).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pyarrow as pa
from python_calamine import CalamineWorkbook

from evalwh.ingest.load import REPORT, Candidate, _parse

parser = argparse.ArgumentParser()
parser.add_argument("reports")
parser.add_argument("--every", type=int, default=12, help="take every n-th workbook")
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()
files = sorted(Path(args.reports).glob("*.xlsx"))[:: args.every]
pa.array([0])  # as the ingest's parent does before its workers fork (load._worker_pool)


def floor() -> int:
    rows = 0
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        rows += sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)
    return rows


def worker() -> int:
    rows = 0
    for path in files:
        parsed = _parse(Candidate(path, path.name, REPORT, "-"))
        rows += parsed.rows_loaded
    return rows


print(f"{len(files)} workbooks")
for round_ in range(1, args.rounds + 1):
    seconds = {}
    for name, work in (("floor", floor), ("worker", worker)):
        started = time.process_time()
        rows = work()
        seconds[name] = time.process_time() - started
        print(f"round {round_}: {name} {seconds[name]:.2f} s CPU, {rows:,} rows")
    print(f"round {round_}: worker / floor = {seconds['worker'] / seconds['floor']:.2f}")
