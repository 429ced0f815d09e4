"""Where a parse worker's CPU goes, by function (pyinstrument), over every n-th workbook.

    uv run python bench/scripts/worker_profile.py bench/cache/national/reports [--every 6]

Runs `load._parse` (what a worker runs per file) and pickles its result (what sending it to
the writer costs), in this one process, then prints the call tree. The parse floor's own work
is calamine's `get_sheet_by_name` and `to_python`; everything else is the ingest's.
"""

from __future__ import annotations

import argparse
import pickle
import time
from pathlib import Path

from pyinstrument import Profiler

from evalwh.ingest.load import REPORT, Candidate, _parse

parser = argparse.ArgumentParser()
parser.add_argument("reports")
parser.add_argument("--every", type=int, default=6, help="take every n-th workbook")
args = parser.parse_args()

files = sorted(Path(args.reports).glob("*.xlsx"))[:: args.every]
profiler = Profiler(interval=0.001)
profiler.start()
started = time.process_time()
for path in files:
    pickle.dumps(_parse(Candidate(path, path.name, REPORT, "-")))
cpu = time.process_time() - started
profiler.stop()
print(f"{len(files)} workbooks, {cpu:.2f} s of CPU")
print(profiler.output_text(unicode=False, color=False))
