"""A parse worker's CPU on the inspection exports against the parse floor's reading of them.

    uv run python bench/scripts/exports_vs_floor.py INSPECTIONS_DIR [--every 1] [--rounds 2]

In one quiet process, alternating: the floor's reading (the bench's parse_floor step: decode,
then `csv.reader` over every line) and `load._parse` (what an ingest worker runs per export:
the reading, the column conversion, the Arrow table), without the loaded reports' region codes.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from pathlib import Path

import pyarrow as pa

from evalwh.ingest.load import INSPECTION, Candidate, _parse

parser = argparse.ArgumentParser()
parser.add_argument("inspections")
parser.add_argument("--every", type=int, default=1, help="take every n-th export")
parser.add_argument("--rounds", type=int, default=2)
args = parser.parse_args()
files = sorted(Path(args.inspections).glob("*.csv"))[:: args.every]
pa.array([0])  # as the ingest's parent does before its workers fork (load._worker_pool)


def floor() -> int:
    rows = 0
    for path in files:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        rows += sum(1 for _ in csv.reader(io.StringIO(text)))
    return rows


def worker() -> int:
    return sum(_parse(Candidate(p, p.name, INSPECTION, "-"), None).rows.num_rows for p in files)


print(f"{len(files)} exports")
for round_ in range(1, args.rounds + 1):
    seconds = {}
    for name, work in (("floor", floor), ("worker", worker)):
        started = time.process_time()
        rows = work()
        seconds[name] = time.process_time() - started
        print(f"round {round_}: {name} {seconds[name]:.2f} s CPU, {rows:,} rows")
    print(f"round {round_}: worker / floor = {seconds['worker'] / seconds['floor']:.2f}")
