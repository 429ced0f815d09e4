"""The ingest of one new reporting year's workbooks onto an ingest DB holding the years before.

    uv run python bench/scripts/new_year_ingest.py SRC_DIR NATIONAL_DIR WORK_DIR [--year 2025]

SRC_DIR is the `src` folder of the code to measure (an older commit: `git worktree add
/tmp/old <commit>`, then /tmp/old/src), so two versions can be alternated on the same files.
The first call only builds WORK_DIR/base: the workbooks of the years before `--year`
hard-linked into WORK_DIR/base/raw and ingested (about 90 s at national scale). Every later call copies
that ingest DB, links the year's workbooks in, ingests them, and prints the wall time and the
CPU of this process (the writer) and of the parse workers.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("src")
parser.add_argument("national")
parser.add_argument("work")
parser.add_argument("--year", type=int, default=2025)
args = parser.parse_args()
sys.path.insert(0, str(Path(args.src).resolve()))

from year_files import year  # noqa: E402  (bench/scripts, beside this script)

from evalwh import config, pipeline  # noqa: E402  (from SRC_DIR)
from evalwh.ingest.load import RACY_SECONDS  # noqa: E402

work = Path(args.work)
raw = work / "base" / "raw"
reports = sorted((Path(args.national) / "reports").glob("*.xlsx"))


def link(paths: list[Path]) -> list[Path]:
    (raw / "reports").mkdir(parents=True, exist_ok=True)
    linked = []
    for path in paths:
        target = raw / "reports" / path.name
        if not target.exists():
            os.link(path, target)
            linked.append(target)
    return linked


base_wh = work / "base" / "warehouse"
if not base_wh.exists():
    link([p for p in reports if year(p) < args.year])
    time.sleep(RACY_SECONDS)  # remembered fingerprints, as in a landing zone filled long ago
    pipeline.ingest(config.paths(raw, base_wh), kinds=("reports",))
    sys.exit(f"built {base_wh}; run again to measure")
run_wh = work / "run" / "warehouse"
shutil.rmtree(run_wh, ignore_errors=True)
shutil.copytree(base_wh / "ingest", run_wh / "ingest")
added = link([p for p in reports if year(p) == args.year])
os.sync()
try:
    started = time.perf_counter()
    summary = pipeline.ingest(config.paths(raw, run_wh), kinds=("reports",))
    wall = time.perf_counter() - started
finally:
    for path in added:
        path.unlink()
me, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(
    f"{args.src}: {summary.files_loaded} workbooks of {args.year} in {wall:.2f} s; "
    f"writer process {me.ru_utime + me.ru_stime:.2f} s CPU, "
    f"workers {workers.ru_utime + workers.ru_stime:.2f} s CPU"
)
