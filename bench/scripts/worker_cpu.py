"""CPU time a worker spends on workbooks: parse, then pickle as it is sent to the writer.

    uv run python bench/scripts/worker_cpu.py SRC_DIR REPORTS_DIR [--every 6]

SRC_DIR is the `src` folder of the code to measure, so an older commit checked out with
`git worktree add /tmp/old <commit>` can be compared with this one on the same files:

    uv run python bench/scripts/worker_cpu.py /tmp/old/src bench/cache/national/reports
    uv run python bench/scripts/worker_cpu.py src bench/cache/national/reports
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("src")
parser.add_argument("reports")
parser.add_argument("--every", type=int, default=6, help="take every n-th workbook")
args = parser.parse_args()
sys.path.insert(0, str(Path(args.src).resolve()))

import evalwh  # noqa: E402  (from SRC_DIR)
from evalwh.ingest.load import REPORT, Candidate, _parse  # noqa: E402

files = sorted(Path(args.reports).glob("*.xlsx"))[:: args.every]
rows, sent = 0, 0
started = time.process_time()
for path in files:
    parsed = _parse(Candidate(path, path.name, REPORT, "-"))
    sent += len(pickle.dumps(parsed))
    rows += parsed.rows_loaded
cpu = time.process_time() - started
print(
    f"{evalwh.__file__}: {len(files)} workbooks, {rows:,} rows, "
    f"worker CPU {cpu:.2f} s, {sent / 1e6:.1f} MB pickled"
)
